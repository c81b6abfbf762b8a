"""Fingerprints of an entry's student-written units: k-gram hashes and their winnowed sample.

Every run of ``k`` consecutive tokens of a unit (a k-gram) gets a 64-bit hash; k-grams
never cross from one unit into another, so moving functions around changes nothing. A
k-gram the template also has is the template's, wherever it stands: it never matches,
and the tokens it covers do not count as the student's.

Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003; what MOSS does) keeps the
smallest hash of every ``window`` consecutive k-grams: any shared run of at least
``k + window - 1`` tokens shares a kept hash. The kept hashes index entries to find
candidate pairs quickly; a candidate pair is then compared on all its k-grams
(:mod:`similarity.pairs`).

Shape legend: T tokens of a section, U units, M k-grams, F fingerprints.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from similarity.student_code import StudentUnit

#: The multiplier of the polynomial k-gram hash (odd, so arithmetic mod 2**64 loses nothing).
_MULTIPLIER = 0x9E3779B97F4A7C15
_BASE = np.uint64(_MULTIPLIER)


@dataclass(frozen=True)
class Shingling:
    """How a section is cut: ``k`` tokens per k-gram, winnowing ``window`` k-grams."""

    k: int
    window: int


#: Code: 15 normalised tokens are about two short lines. Shorter k-grams match what every
#: implementation of a layer has (``V, V, V, V = V.shape``); longer ones lose a copy's
#: matches around each statement it moved (bench/similarity_quality.py measures both).
CODE = Shingling(k=15, window=6)
#: Free text: 6 words.
TEXT = Shingling(k=6, window=4)


@lru_cache(maxsize=1 << 16)
def _token_id(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) + 1


def kgram_hashes(tokens: list[str], k: int, salt: str = "") -> np.ndarray:
    """(n - k + 1,) uint64: the hash of each k-gram of ``tokens`` (none when n < k)."""
    count = len(tokens) - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    ids = np.fromiter((_token_id(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(k):
        hashes = hashes * _BASE + ids[offset:offset + count]
    if salt:
        hashes ^= np.uint64(zlib.crc32(salt.encode("utf-8")) * _MULTIPLIER % (1 << 64))
    return hashes


def winnow(hashes: np.ndarray, window: int) -> np.ndarray:
    """Indices of the hashes winnowing keeps: the smallest of each ``window`` in a row."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(hashes) <= window:
        return np.array([int(np.argmin(hashes))])
    windows = np.lib.stride_tricks.sliding_window_view(hashes, window)
    return np.unique(windows.argmin(axis=1) + np.arange(len(windows)))


def covered(starts: np.ndarray, k: int, size: int) -> np.ndarray:
    """(size,) bool: the tokens that k-grams starting at ``starts`` cover."""
    edges = np.bincount(starts, minlength=size + 1) - np.bincount(np.minimum(starts + k, size), minlength=size + 1)
    return np.cumsum(edges[:size]) > 0


@dataclass
class SectionPrint:
    """The fingerprints of one section (code, or answers) of one entry."""

    keys: list[str] = field(default_factory=list)          # (U,) unit keys
    labels: list[str] = field(default_factory=list)        # (U,) what the report calls them
    sources: list[list[str]] = field(default_factory=list)  # (U,) the units' lines
    unit_start: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))  # (U + 1,) token offsets
    places: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), dtype=np.int32))  # (T, 4)
    counted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (T,) student's, not template
    kgram_hash: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))  # (M,) template's left out
    kgram_token: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # (M,) first token of each
    fingerprints: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))  # (F,) sorted, unique

    @property
    def weight(self) -> int:
        """Tokens the student wrote (the template's left out)."""
        return int(self.counted.sum())

    def unit_weights(self) -> np.ndarray:
        """(U,) tokens the student wrote in each unit."""
        return self.unit_sums(self.counted)

    def unit_sums(self, tokens: np.ndarray) -> np.ndarray:
        """(U,) how many of ``tokens`` ((T,) bool) fall in each unit."""
        totals = np.concatenate([[0], np.cumsum(tokens, dtype=np.int64)])
        return totals[self.unit_start[1:]] - totals[self.unit_start[:-1]]

    def unit_of_tokens(self, tokens: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.unit_start, tokens, side="right") - 1


def template_hashes(streams: list[tuple[list[str], str]], shingling: Shingling) -> np.ndarray:
    """Sorted unique hashes of every k-gram of the template's token ``streams`` (tokens, salt)."""
    parts = [kgram_hashes(tokens, shingling.k, salt) for tokens, salt in streams]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)


def section_print(units: list[StudentUnit], shingling: Shingling, template: np.ndarray) -> SectionPrint:
    """Fingerprint ``units``; k-grams found in ``template`` (sorted hashes) are left out."""
    section = SectionPrint()
    starts, places, counted, hashes, firsts, kept = [0], [], [], [], [], []
    offset = 0
    for unit in units:
        unit_hashes = kgram_hashes(unit.tokens, shingling.k, unit.salt)
        theirs = member(unit_hashes, template)
        covered_by_template = covered(np.flatnonzero(theirs), shingling.k, len(unit.tokens))
        mine = np.flatnonzero(~theirs)
        section.keys.append(unit.key)
        section.labels.append(unit.label)
        section.sources.append(unit.source)
        places.append(np.asarray(unit.places, dtype=np.int32).reshape(-1, 4))
        counted.append(~covered_by_template)
        hashes.append(unit_hashes[mine])
        firsts.append(mine + offset)
        if len(mine):
            kept.append(unit_hashes[mine][winnow(unit_hashes[mine], shingling.window)])
        offset += len(unit.tokens)
        starts.append(offset)
    if units:
        section.unit_start = np.asarray(starts, dtype=np.int64)
        section.places = np.concatenate(places)
        section.counted = np.concatenate(counted)
        section.kgram_hash = np.concatenate(hashes)
        section.kgram_token = np.concatenate(firsts).astype(np.int32)
        section.fingerprints = np.unique(np.concatenate(kept)) if kept else section.fingerprints
    return section


def member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """(len(values),) bool: which of ``values`` are in ``sorted_set`` (sorted)."""
    if len(sorted_set) == 0 or len(values) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


@dataclass
class EntryPrint:
    """What the engine keeps of an entry: the fingerprints of its code and its answers."""

    digest: str
    code: SectionPrint
    answers: SectionPrint
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.code.weight == 0 and self.answers.weight == 0


@dataclass(frozen=True)
class TemplatePrint:
    """The template's k-gram hashes (sorted) of each section: never a match."""

    code: np.ndarray
    answers: np.ndarray
