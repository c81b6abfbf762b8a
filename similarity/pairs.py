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
    spans_a: list[list[int]] = field(default_factory=list)   # [line0, col0, line1, col1]
    spans_b: list[list[int]] = field(default_factory=list)


class PairIndex:
    """The k-grams of every entry of a section as dense ids (one per distinct hash), so
    testing one entry's k-grams against another's is a lookup in a table, not a search.
    K-grams common to the class (``excluded``) get an id nothing ever matches."""

    def __init__(self, prints: list[SectionPrint], excluded: np.ndarray):
        self.prints = prints
        everything = np.concatenate([p.kgram_hash for p in prints]) if prints else np.zeros(0, dtype=np.uint64)
        distinct, ids = np.unique(everything, return_inverse=True)
        self.never = len(distinct)                       # the id of excluded k-grams
        ids = np.where(member(everything, excluded), self.never, ids).astype(np.int32)
        del everything, distinct
        bounds = np.cumsum([0, *(len(p.kgram_hash) for p in prints)])
        self.ids = [ids[bounds[i]:bounds[i + 1]].copy() for i in range(len(prints))]
        del ids
        self.units = [p.unit_of_tokens(p.kgram_token).astype(np.int32) for p in prints]   # (M,) unit of each k-gram
        self._present = np.zeros(self.never + 1, dtype=bool)
        self._unit = np.full(self.never + 1, -1, dtype=np.int32)

    def found_in(self, i: int, j: int) -> np.ndarray:
        """(M_i,) bool: which k-grams of entry i entry j has."""
        self._present[self.ids[j]] = True
        self._present[self.never] = False
        found = self._present[self.ids[i]]
        self._present[self.ids[j]] = False
        return found

    def partner_units(self, i: int, j: int) -> np.ndarray:
        """(M_i,) for each k-gram of entry i: the unit of entry j where it first occurs, or -1."""
        ids, units = self.ids[j], self.units[j]
        self._unit[ids[::-1]] = units[::-1]     # written last to first: the first occurrence stays
        self._unit[self.never] = -1
        partner = self._unit[self.ids[i]]
        self._unit[ids] = -1
        return partner


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


def candidates(prints: list[SectionPrint], archive: list[bool], floor: float, excluded: np.ndarray,
               limit: int) -> tuple[list[tuple[int, int]], int]:
    """The pairs (i < j) worth comparing exactly, most alike first, at most ``limit``; and
    how many qualified in all.

    A pair qualifies when the share of fingerprints it has in common (twice the shared
    ones over both sides' counts, the winnowed estimate of the share) is at least half of
    ``floor``. Two archive entries are never paired.
    """
    counts = shared_counts(prints, excluded)
    sizes = np.array([max(len(p.fingerprints), 1) for p in prints], dtype=np.float64)
    estimate = 2 * counts / (sizes[:, None] + sizes[None, :])
    worth = (counts >= MIN_SHARED) & (estimate >= 0.5 * floor)
    is_archive = np.asarray(archive, dtype=bool)
    worth &= ~(is_archive[:, None] & is_archive[None, :])
    first, second = np.nonzero(np.triu(worth, 1))
    order = np.argsort(-estimate[first, second], kind="stable")[:limit]
    return list(zip(first[order].tolist(), second[order].tolist(), strict=True)), len(first)


def overlap(index: PairIndex, i: int, j: int, k: int) -> Overlap:
    """How much of entries ``i`` and ``j`` the other one covers."""
    one, other = index.prints[i], index.prints[j]
    covered_a = covered(one.kgram_token[index.found_in(i, j)], k, len(one.counted)) & one.counted
    covered_b = covered(other.kgram_token[index.found_in(j, i)], k, len(other.counted)) & other.counted
    return Overlap(int(covered_a.sum()), int(covered_b.sum()), one.weight, other.weight)


def links(index: PairIndex, i: int, j: int, k: int) -> list[Link]:
    """The units of entries ``i`` and ``j`` that match one another (by k tokens at least),
    each pair with the share and the spans of each that the other has.

    A k-gram found on the other side belongs to the unit where it first occurs there; each
    unit is paired with the unit most of its matching k-grams belong to, and each side of
    a pair counts only the k-grams it shares with the other unit.
    """
    one, other = index.prints[i], index.prints[j]
    partner_b, partner_a = index.partner_units(i, j), index.partner_units(j, i)
    unit_a, unit_b = index.units[i], index.units[j]
    found = partner_b >= 0
    if not found.any():
        return []
    chosen = _best_partners(unit_a[found], partner_b[found])
    side_a = _link_cover(one, unit_a, partner_b, [(ua, ub) for ua, ub in chosen], k)
    side_b = _link_cover(other, unit_b, partner_a, [(ub, ua) for ua, ub in chosen], k)
    weights_a, weights_b = one.unit_weights(), other.unit_weights()
    return [Link(ua, ub, int(mask_a.sum()), int(mask_b.sum()), int(weights_a[ua]), int(weights_b[ub]),
                 _spans(one, ua, mask_a), _spans(other, ub, mask_b))
            for (ua, ub), mask_a, mask_b in zip(chosen, side_a, side_b, strict=True)
            if max(mask_a.sum(), mask_b.sum()) >= k]


def _link_cover(section: SectionPrint, own_unit: np.ndarray, partner: np.ndarray, wanted: list[tuple[int, int]],
                k: int) -> list[np.ndarray]:
    """For each (unit, partner unit) in ``wanted``: (tokens of the unit,) bool, its student
    tokens covered by its k-grams whose partner is that unit. A unit in several pairs is
    done in several rounds; each round is one pass over the section."""
    out: list[np.ndarray | None] = [None] * len(wanted)
    remaining = list(range(len(wanted)))
    while remaining:
        this_round, later, seen = [], [], set()
        for index in remaining:
            (later if wanted[index][0] in seen else this_round).append(index)
            seen.add(wanted[index][0])
        keys = np.array(sorted(wanted[i][0] * (1 << 32) + wanted[i][1] for i in this_round), dtype=np.int64)
        codes = own_unit.astype(np.int64) * (1 << 32) + partner
        selected = (partner >= 0) & member(codes, keys)
        mask = covered(section.kgram_token[selected], k, len(section.counted)) & section.counted
        for index in this_round:
            unit = wanted[index][0]
            out[index] = mask[int(section.unit_start[unit]):int(section.unit_start[unit + 1])]
        remaining = later
    return out


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


def _spans(section: SectionPrint, unit: int, mask: np.ndarray) -> list[list[int]]:
    """Runs of ``mask``'s tokens ((tokens of the unit,) bool) as [line0, col0, line1, col1]
    in the unit's source."""
    hits = np.flatnonzero(mask)
    if len(hits) == 0:
        return []
    breaks = np.flatnonzero(hits[1:] - hits[:-1] > 1)
    start = int(section.unit_start[unit])
    firsts = section.places[start + np.concatenate([hits[:1], hits[breaks + 1]])]
    lasts = section.places[start + np.concatenate([hits[breaks], hits[-1:]])]
    return np.column_stack([firsts[:, :2], lasts[:, 2:]]).tolist()
