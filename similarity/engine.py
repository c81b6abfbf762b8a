"""The similarity report, start to end: read and fingerprint every entry (in worker
processes, a few entries in memory at a time, cached per digest), then find the pairs.

::

    template ──read_template──> units, k-gram hashes (never a match)
    sources ──read──> files ──read_student_work──> units ──section_print──> EntryPrint (cached)
    EntryPrints ──candidates (winnowed index)──> overlap (all k-grams) ──> Pairs, ranked
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from gradelab.manifest import Assignment
from similarity.cache import FingerprintCache, cache_key
from similarity.fingerprints import (
    CODE,
    TEXT,
    EntryPrint,
    Shingling,
    TemplatePrint,
    section_print,
    template_hashes,
)
from similarity.layout import Layout
from similarity.pairs import PairIndex, candidates, common_hashes, links, overlap
from similarity.report import (
    ARCHIVE,
    EntrySummary,
    Pair,
    Report,
    Skipped,
    UnitMatch,
)
from similarity.sources import Source, SourceUnreadable, content_digest
from similarity.student_code import TemplateUnits, read_student_work, read_template

log = logging.getLogger("gradelab.similarity")

#: Candidate pairs measured exactly per pair kept: the winnowed estimate ranks them, and
#: the ones it puts first are the ones that matter (bench/similarity_scale.py checks that
#: measuring every candidate keeps the same pairs).
MEASURED_PER_KEPT = 5
#: (stage, done, total): stage is "reading" (entries), "comparing code" or "comparing
#: answers" (candidate pairs).
Progress = Callable[[str, int, int], None]
#: Gives a source what it needs to be read (the service's uploads: their bytes), called
#: for each source whose fingerprints are not cached, just before it is read.
Loader = Callable[[Source], Source]


@dataclass(frozen=True)
class Options:
    threshold: float                       # flag pairs at or above this share
    floor: float = 0.1                     # keep pairs at or above this share in the report
    max_pairs: int = 500                   # kept per section, the highest shares first
    workers: int = 2                       # processes reading entries
    measured: int | None = None            # candidate pairs measured exactly; None: max_pairs * 5


@dataclass(frozen=True)
class Setup:
    """What a worker process needs to fingerprint entries (picklable)."""

    assignment: Assignment
    layout: Layout
    template_files: dict[str, bytes]
    cache_dir: Path | None = None          # fingerprints kept per digest; None: not kept


@dataclass
class Inputs:
    """What a report compares: ``submissions`` with each other, and with ``archive``
    (archive entries are never paired together); ``refused`` are (name, kind, reason) of
    entries already known unreadable, listed as skipped."""

    setup: Setup
    submissions: list[Source]
    archive: list[Source] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    load: Loader | None = None


@dataclass
class _Entry:
    source: Source
    fingerprints: EntryPrint

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def kind(self) -> str:
        return self.source.kind


@dataclass
class _Outcome:
    entries: list[_Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class Fingerprinter:
    """Reads sources into fingerprints against one template; one per process."""

    def __init__(self, setup: Setup):
        self.setup = setup
        self.template: TemplateUnits = read_template(setup.template_files, setup.layout)
        self.template_print = TemplatePrint(
            code=template_hashes([(stream, "") for stream in self.template.code_streams], CODE),
            answers=template_hashes([(words, answer) for answer, words in self.template.answers.items()], TEXT),
        )
        key = cache_key(content_digest(setup.template_files), setup.layout.describe())
        self.cache = FingerprintCache(setup.cache_dir, key) if setup.cache_dir else None

    def cached(self, digest: str | None) -> EntryPrint | None:
        return self.cache.load(digest) if self.cache and digest else None

    def __call__(self, source: Source) -> EntryPrint:
        """The source's fingerprints; raises SourceUnreadable with the reason it is skipped."""
        found = self.cached(source.digest)
        if found is not None:
            return found
        files = source.read(self.setup.assignment, self.setup.layout)
        digest = source.digest or content_digest(files)
        found = self.cached(digest)
        if found is not None:
            return found
        work = read_student_work(files, self.template, self.setup.layout)
        entry = EntryPrint(digest=digest, notes=work.notes,
                           code=section_print(work.code, CODE, self.template_print.code),
                           answers=section_print(work.answers, TEXT, self.template_print.answers))
        if self.cache:
            try:
                self.cache.store(entry)
            except OSError as exc:  # a cache is only a shortcut
                log.warning("fingerprint cache not written: %s", exc)
        return entry


# One Fingerprinter per worker process, made by the pool's initializer.
_worker: Fingerprinter | None = None


def _start_worker(setup: Setup) -> None:
    global _worker
    _worker = Fingerprinter(setup)


def _fingerprint(source: Source) -> EntryPrint | str:
    try:
        return _worker(source)
    except SourceUnreadable as exc:
        return str(exc)


def compare(inputs: Inputs, options: Options, on_progress: Progress | None = None) -> Report:
    """The report on ``inputs``."""
    progress = on_progress or (lambda stage, done, total: None)
    setup, loader = inputs.setup, inputs.load
    sources = _unique_names([*inputs.submissions, *inputs.archive])
    outcome = _Outcome(skipped=[Skipped(name, kind, reason) for name, kind, reason in inputs.refused])
    fingerprinter = Fingerprinter(setup)
    pending: list[Source] = []
    done = 0
    for source in sources:
        found = fingerprinter.cached(source.digest)
        if found is None:
            pending.append(source)
        else:
            _keep(outcome, source, found)
            done += 1
    progress("reading", done, len(sources))
    for source, result in _read_all(fingerprinter, pending, setup, options.workers, loader):
        _keep(outcome, source, result)
        done += 1
        progress("reading", done, len(sources))
    # In the order given, whichever finished first: the same inputs make the same report.
    order = {source.name: index for index, source in enumerate(sources)}
    outcome.entries.sort(key=lambda entry: order[entry.name])
    outcome.skipped.sort(key=lambda skipped: order.get(skipped.name, -1))

    report = Report(assignment=setup.assignment.id, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    threshold=options.threshold, floor=options.floor, skipped=outcome.skipped,
                    parameters={"code_k": CODE.k, "code_window": CODE.window, "text_k": TEXT.k,
                                "text_window": TEXT.window, "max_pairs": options.max_pairs})
    report.entries = [EntrySummary(e.name, e.kind, e.fingerprints.digest, e.fingerprints.code.weight,
                                   e.fingerprints.answers.weight, e.fingerprints.notes, e.source.ref)
                      for e in outcome.entries]
    for section, shingling in (("code", CODE), ("answers", TEXT)):
        pairs, dropped = _pairs(outcome.entries, section, shingling, options, progress)
        setattr(report, section, pairs)
        if dropped:
            report.dropped[section] = dropped
        _add_sources(report, outcome.entries, pairs, section)
    return report


def _unique_names(sources: list[Source]) -> list[Source]:
    """Sources named apart: a second "alice" becomes "alice (2)"."""
    seen: set[str] = set()
    named = []
    for source in sources:
        name, number = source.name, 1
        while name in seen:
            number += 1
            name = f"{source.name} ({number})"
        seen.add(name)
        named.append(source if name == source.name else replace(source, name=name))
    return named


def _keep(outcome: _Outcome, source: Source, result: EntryPrint | str) -> None:
    if isinstance(result, str):
        outcome.skipped.append(Skipped(source.name, source.kind, result))
    elif result.empty:
        outcome.skipped.append(Skipped(source.name, source.kind,
                                       "no student-written code or answers: everything matches the template"))
    else:
        outcome.entries.append(_Entry(source, result))


def _read_all(fingerprinter: Fingerprinter, sources: list[Source], setup: Setup, workers: int,
              loader: Loader | None) -> Iterator[tuple[Source, EntryPrint | str]]:
    """Each source with its fingerprints (or the reason it is skipped), as they finish.
    At most two per worker are loaded at a time."""
    load = loader or (lambda source: source)
    if workers <= 1 or len(sources) < 4:
        for source in sources:
            try:
                yield source, fingerprinter(load(source))
            except SourceUnreadable as exc:
                yield source, str(exc)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(setup,)) as pool:
        queue = iter(sources)
        running: dict[Future, Source] = {}
        while True:
            while len(running) < 2 * workers:
                source = next(queue, None)
                if source is None:
                    break
                running[pool.submit(_fingerprint, load(source))] = source
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield running.pop(future), future.result()


def _pairs(entries: list[_Entry], section: str, shingling: Shingling, options: Options,
           progress: Progress) -> tuple[list[Pair], int]:
    """The pairs of ``section`` at or above the floor, highest share first (at most
    max_pairs), and how many more there were (measured, or estimated above the floor)."""
    prints = [getattr(e.fingerprints, section) for e in entries]
    is_archive = [e.kind == ARCHIVE for e in entries]
    excluded = common_hashes(prints, [not a for a in is_archive])
    limit = options.measured if options.measured is not None else options.max_pairs * MEASURED_PER_KEPT
    chosen, qualified = candidates(prints, is_archive, options.floor, excluded, limit)
    index = PairIndex(prints, excluded)
    found = []
    for number, (i, j) in enumerate(chosen, start=1):
        if is_archive[i]:  # a submission is always side a
            i, j = j, i
        result = overlap(index, i, j, shingling.k)
        if result.share >= options.floor:
            found.append((result.share, i, j, result))
        if number % 500 == 0:
            progress(f"comparing {section}", number, len(chosen))
    progress(f"comparing {section}", len(chosen), len(chosen))
    found.sort(key=lambda row: (-row[0], entries[row[1]].name, entries[row[2]].name))
    kept = found[:options.max_pairs]
    pairs = []
    for share, i, j, result in kept:
        matches = []
        for link in links(index, i, j, shingling.k):
            a_unit, b_unit = prints[i].keys[link.unit_a], prints[j].keys[link.unit_b]
            matches.append(UnitMatch(
                a=a_unit, b=b_unit, a_label=prints[i].labels[link.unit_a], b_label=prints[j].labels[link.unit_b],
                share=_ratio(link.matched_a + link.matched_b, link.weight_a + link.weight_b),
                share_a=_ratio(link.matched_a, link.weight_a), share_b=_ratio(link.matched_b, link.weight_b),
                tokens=link.matched_a, spans_a=link.spans_a, spans_b=link.spans_b))
        matches.sort(key=lambda m: (-m.share, -m.tokens, m.a))
        pairs.append(Pair(a=entries[i].name, b=entries[j].name, b_kind=entries[j].kind, share=round(share, 4),
                          share_a=round(result.share_a, 4), share_b=round(result.share_b, 4), matches=matches))
    return pairs, max(len(found), qualified) - len(kept)


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _add_sources(report: Report, entries: list[_Entry], pairs: list[Pair], section: str) -> None:
    """The lines of every unit a pair names, once per entry and unit."""
    by_name = {e.name: getattr(e.fingerprints, section) for e in entries}
    for pair in pairs:
        for match in pair.matches:
            for entry, unit in ((pair.a, match.a), (pair.b, match.b)):
                prints = by_name[entry]
                units = report.sources.setdefault(entry, {})
                if unit not in units:
                    units[unit] = prints.sources[prints.keys.index(unit)]

