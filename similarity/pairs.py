"""Which entries have code in common, and how much: candidates from an index of the
winnowed fingerprints, then an exact comparison of each candidate on all its k-grams.

The *share* of a pair is the part of the two entries' student-written tokens that the
other one also has (matched tokens of both over the tokens of both, 0..1). A token is
matched when a k-gram covering it occurs in the other entry.

Code shared by more than half of the class (when there are at least
:data:`COMMON_MIN_ENTRIES` submissions) is treated like the template: it is what
everyone writes, not evidence (MOSS's ``-m``, as a fraction).

Shape legend: N entries, T tokens of one entry's section, M its k-grams.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from similarity.fingerprints import SectionPrint, covered, member

#: Below this many submissions nothing counts as "what everyone writes".
COMMON_MIN_ENTRIES = 20
#: Groups of entries sharing one fingerprint up to this size are paired directly; larger
#: groups go through a matrix product.
SMALL_GROUP = 16
#: A candidate pair shares at least this many fingerprints.
MIN_SHARED = 2


@dataclass(frozen=True)
class Overlap:
    """How much of each side the other one covers."""

    matched_a: int
    matched_b: int
    weight_a: int
    weight_b: int

    @property
    def share(self) -> float:
        total = self.weight_a + self.weight_b
        return (self.matched_a + self.matched_b) / total if total else 0.0

    @property
    def share_a(self) -> float:
        return self.matched_a / self.weight_a if self.weight_a else 0.0

    @property
    def share_b(self) -> float:
        return self.matched_b / self.weight_b if self.weight_b else 0.0


@dataclass
class Link:
    """A unit of one side matched with a unit of the other, with the spans that match."""

    unit_a: int
    unit_b: int
    matched_a: int
    matched_b: int
    weight_a: int
    weight_b: int
    spans_a: list[tuple[int, int, int, int]] = field(default_factory=list)
    spans_b: list[tuple[int, int, int, int]] = field(default_factory=list)


class SortedHashes:
    """A section's k-gram hashes sorted once, for membership tests against other sections."""

    def __init__(self, section: SectionPrint):
        order = np.argsort(section.kgram_hash, kind="stable")
        self.hashes = section.kgram_hash[order]
        self.tokens = section.kgram_token[order]

    def contains(self, values: np.ndarray) -> np.ndarray:
        if len(self.hashes) == 0:
            return np.zeros(len(values), dtype=bool)
        at = np.minimum(np.searchsorted(self.hashes, values), len(self.hashes) - 1)
        return self.hashes[at] == values

    def first_token(self, values: np.ndarray) -> np.ndarray:
        """The first token of a k-gram with each hash of ``values`` (all present)."""
        return self.tokens[np.searchsorted(self.hashes, values)]


def common_hashes(prints: list[SectionPrint], counted: list[bool]) -> np.ndarray:
    """Sorted fingerprints found in more than half of the ``counted`` entries (the
    submissions), when there are at least COMMON_MIN_ENTRIES of them."""
    chosen = [p.fingerprints for p, count in zip(prints, counted, strict=True) if count]
    if len(chosen) < COMMON_MIN_ENTRIES:
        return np.zeros(0, dtype=np.uint64)
    values, frequency = np.unique(np.concatenate(chosen), return_counts=True)
    return values[frequency * 2 > len(chosen)]


def shared_counts(prints: list[SectionPrint], excluded: np.ndarray) -> np.ndarray:
    """(N, N) int: fingerprints each pair of entries shares (upper triangle; i < j)."""
    n = len(prints)
    counts = np.zeros((n, n), dtype=np.int64)
    if n < 2:
        return counts
    hashes = np.concatenate([p.fingerprints for p in prints])
    owners = np.concatenate([np.full(len(p.fingerprints), i, dtype=np.int64) for i, p in enumerate(prints)])
    keep = ~member(hashes, excluded)
    hashes, owners = hashes[keep], owners[keep]
    order = np.lexsort((owners, hashes))
    hashes, owners = hashes[order], owners[order]
    if len(hashes) == 0:
        return counts
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(hashes)])
    for size in np.unique(sizes[sizes >= 2]):
        groups = starts[sizes == size]
        if size <= SMALL_GROUP:
            members = owners[groups[:, None] + np.arange(size)]            # (groups, size)
            first, second = np.triu_indices(size, 1)
            flat = (members[:, first] * n + members[:, second]).ravel()
            counts += np.bincount(flat, minlength=n * n).reshape(n, n)
        else:
            incidence = np.zeros((n, len(groups)), dtype=np.float32)
            members = owners[groups[:, None] + np.arange(size)]
            incidence[members.ravel(), np.repeat(np.arange(len(groups)), size)] = 1.0
            counts += np.triu((incidence @ incidence.T).round().astype(np.int64), 1)
    return counts


def candidates(prints: list[SectionPrint], archive: list[bool], floor: float,
               excluded: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (i < j) worth comparing exactly: sharing at least half of ``floor`` of the
    smaller side's fingerprints; two archive entries are never paired."""
    counts = shared_counts(prints, excluded)
    sizes = np.array([max(len(p.fingerprints), 1) for p in prints])
    smaller = np.minimum(sizes[:, None], sizes[None, :])
    worth = (counts >= MIN_SHARED) & (counts >= 0.5 * floor * smaller)
    is_archive = np.asarray(archive, dtype=bool)
    worth &= ~(is_archive[:, None] & is_archive[None, :])
    first, second = np.nonzero(np.triu(worth, 1))
    return list(zip(first.tolist(), second.tolist(), strict=True))


def overlap(a: SectionPrint, b: SectionPrint, sorted_a: SortedHashes, sorted_b: SortedHashes,
            k: int, excluded: np.ndarray) -> tuple[Overlap, np.ndarray, np.ndarray]:
    """The overlap of ``a`` and ``b``, and the k-grams of each that the other has (bool masks)."""
    in_b = sorted_b.contains(a.kgram_hash) & ~member(a.kgram_hash, excluded)
    in_a = sorted_a.contains(b.kgram_hash) & ~member(b.kgram_hash, excluded)
    covered_a = covered(a.kgram_token[in_b], k, len(a.counted)) & a.counted
    covered_b = covered(b.kgram_token[in_a], k, len(b.counted)) & b.counted
    return Overlap(int(covered_a.sum()), int(covered_b.sum()), a.weight, b.weight), in_b, in_a


def links(a: SectionPrint, b: SectionPrint, sorted_b: SortedHashes, in_b: np.ndarray, k: int) -> list[Link]:
    """The units of ``a`` and ``b`` that match one another, each pair with its spans.

    ``in_b``: which k-grams of ``a`` occur in ``b`` (from :func:`overlap`). Each such
    k-gram links its unit in ``a`` to the unit of ``b`` where the same k-gram first occurs.
    """
    matched = np.flatnonzero(in_b)
    if len(matched) == 0:
        return []
    unit_a = a.unit_of_tokens(a.kgram_token[matched])
    unit_b = b.unit_of_tokens(sorted_b.first_token(a.kgram_hash[matched]))
    weights_a, weights_b = a.unit_weights(), b.unit_weights()
    found = []
    for ua, ub in _best_partners(unit_a, unit_b):
        hashes_a, tokens_a = _unit_kgrams(a, ua)
        hashes_b, tokens_b = _unit_kgrams(b, ub)
        both_a = np.isin(hashes_a, hashes_b)
        both_b = np.isin(hashes_b, hashes_a)
        mask_a = _unit_cover(a, ua, tokens_a[both_a], k)
        mask_b = _unit_cover(b, ub, tokens_b[both_b], k)
        found.append(Link(ua, ub, int(mask_a.sum()), int(mask_b.sum()), int(weights_a[ua]), int(weights_b[ub]),
                          _spans(a, ua, mask_a), _spans(b, ub, mask_b)))
    return found


def _best_partners(unit_a: np.ndarray, unit_b: np.ndarray) -> list[tuple[int, int]]:
    """From k-grams linking unit_a[i] to unit_b[i]: each unit's partner with the most links
    (for units of a, then for units of b not yet paired with their best)."""
    pairs, counts = np.unique(np.stack([unit_a, unit_b], axis=1), axis=0, return_counts=True)
    chosen: set[tuple[int, int]] = set()
    for side in (0, 1):
        best: dict[int, tuple[int, tuple[int, int]]] = {}
        for (ua, ub), count in zip(pairs.tolist(), counts.tolist(), strict=True):
            unit = (ua, ub)[side]
            if unit not in best or count > best[unit][0]:
                best[unit] = (count, (ua, ub))
        chosen.update(pair for _, pair in best.values())
    return sorted(chosen)


def _unit_kgrams(section: SectionPrint, unit: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = section.unit_start[unit], section.unit_start[unit + 1]
    inside = (section.kgram_token >= start) & (section.kgram_token < end)
    return section.kgram_hash[inside], section.kgram_token[inside]


def _unit_cover(section: SectionPrint, unit: int, starts: np.ndarray, k: int) -> np.ndarray:
    """(tokens of the unit,) bool: its student tokens the k-grams at ``starts`` cover."""
    start, end = int(section.unit_start[unit]), int(section.unit_start[unit + 1])
    return covered(starts - start, k, end - start) & section.counted[start:end]


def _spans(section: SectionPrint, unit: int, mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Runs of covered tokens as (line0, col0, line1, col1) in the unit's source."""
    start = int(section.unit_start[unit])
    hits = np.flatnonzero(mask)
    if len(hits) == 0:
        return []
    breaks = np.flatnonzero(np.diff(hits) > 1)
    firsts = np.r_[hits[0], hits[breaks + 1]]
    lasts = np.r_[hits[breaks], hits[-1]]
    places = section.places
    return [(int(places[start + f][0]), int(places[start + f][1]), int(places[start + last][2]),
             int(places[start + last][3])) for f, last in zip(firsts, lasts, strict=True)]
