"""``gradelab similarity``: the similarity report on the command line.

With submission paths it compares those (zips or folders); without, each student's
counted submission held by the service (the database of GRADELAB_DATABASE_URL).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gradelab.manifest import Assignment
from gradelab.settings import Settings, get_settings
from similarity.engine import Inputs
from similarity.layout import Layout
from similarity.report import UNIT_THRESHOLD, Report

#: Pairs listed on the terminal per section (the files hold every kept pair).
SHOWN_PAIRS = 20


@click.command("similarity")
@click.argument("assignment")
@click.argument("submissions", nargs=-1, type=click.Path(path_type=Path))
@click.option("--archive", type=click.Path(exists=True, path_type=Path),
              help="Known solutions: a folder (or zip) of repositories, each laid out like a submission or "
                   "holding the assignment's folder. Entries of the archive are not compared with each other.")
@click.option("--template", type=click.Path(exists=True, path_type=Path),
              help="The starter code students began from, a folder or zip laid out like the assignment's "
                   "folder. Default: the assignment's release.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report as one HTML page (flagged pairs side by side).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one row per pair: the two names, the share in common, the units that match.")
@click.option("--threshold", type=click.FloatRange(0, 100),
              help="Flag pairs with at least this percentage in common (default GRADELAB_SIMILARITY_THRESHOLD).")
@click.option("--workers", type=click.IntRange(1), help="Processes reading entries (default GRADELAB_SIMILARITY_WORKERS).")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Keep fingerprints per entry (GRADELAB_SIMILARITY_CACHE_DIR), so the next report reads only new entries.")
def similarity_command(assignment: str, submissions: tuple[Path, ...], archive: Path | None, template: Path | None,
                       html_path: Path | None, csv_path: Path | None, threshold: float | None,
                       workers: int | None, cache: bool) -> None:
    """Find copied code and answers among submissions of ASSIGNMENT (an id like a2, or a
    master folder), and against an archive of known solutions.

    Only what students wrote is compared: the template's code (the release's stubs,
    docstrings and provided files) is taken out first, and names, comments, docstrings,
    strings, whitespace and the order of functions do not matter.
    """
    from similarity.engine import Options, compare
    from similarity.sources import SourceUnreadable

    settings = get_settings()
    threshold = settings.similarity_threshold if threshold is None else threshold / 100
    cache_dir = settings.similarity_cache_dir if cache else None
    try:
        if submissions:
            inputs = _path_inputs(settings, assignment, list(submissions), archive, template, cache_dir)
        else:
            inputs = _service_inputs(settings, assignment, archive, template, cache_dir)
    except SourceUnreadable as exc:
        raise click.ClickException(str(exc)) from None
    options = Options(threshold=threshold, workers=workers or settings.similarity_workers)
    with click.progressbar(length=len(inputs.submissions) + len(inputs.archive), label="Reading entries",
                           file=sys.stderr) as bar:
        def on_progress(stage: str, done: int, total: int) -> None:
            if stage == "reading":
                bar.update(done - bar.pos)

        report = compare(inputs, options, on_progress)
    _print(report, threshold)
    if csv_path:
        from similarity.csv_report import pairs_csv

        csv_path.write_text(pairs_csv(report, threshold), encoding="utf-8")
        click.echo(f"Wrote {csv_path}")
    if html_path:
        from similarity.html_report import render_html

        html_path.write_text(render_html(report, threshold), encoding="utf-8")
        click.echo(f"Wrote {html_path}")


def _path_inputs(settings: Settings, assignment_name: str, paths: list[Path], archive: Path | None,
                 template: Path | None, cache_dir: Path | None) -> Inputs:
    from grader.assignment import find_assignment
    from grader.errors import AssignmentNotFound
    from similarity.engine import Setup
    from similarity.layout import layout_of
    from similarity.report import ARCHIVE
    from similarity.sources import archive_sources, submissions_from_paths, template_files

    try:
        assignment = find_assignment(assignment_name, settings.solutions_dir)
    except AssignmentNotFound as exc:
        raise click.ClickException(str(exc)) from None
    layout = layout_of(assignment)
    files = template_files(template, layout) if template else release_template(settings, assignment, layout)
    entries, refused = archive_sources(archive) if archive else ([], [])
    return Inputs(setup=Setup(assignment, layout, files, cache_dir), submissions=submissions_from_paths(paths),
                  archive=entries, refused=[(name, ARCHIVE, reason) for name, reason in refused])


def release_template(settings: Settings, assignment: Assignment, layout: Layout) -> dict[str, bytes]:
    """The assignment's release: its release folder (assignments/<id>) when there is one,
    else the master released in memory."""
    from release.errors import ReleaseError
    from release.generate import build_release
    from release.record import RECORD_NAME
    from similarity.sources import folder_files

    folder = settings.assignments_dir / assignment.id
    if (folder / RECORD_NAME).is_file():
        return folder_files(folder, layout)
    try:
        release = build_release(assignment.master_dir)
    except ReleaseError as exc:
        raise click.ClickException(f"the master {assignment.master_dir} cannot be released: {exc}; "
                                   "name the starter code with --template") from None
    return {path: data for path, data in release.files.items() if layout.compares(path)}


def _service_inputs(settings: Settings, assignment_id: str, archive: Path | None, template: Path | None,
                    cache_dir: Path | None) -> Inputs:
    """The service's submissions, read from its database as they are needed."""
    from dataclasses import replace

    from server.core.db import Database
    from server.core.migrate import upgrade
    from server.errors import ServiceError
    from server.jobs.similarity_job import service_inputs
    from similarity.sources import template_files

    upgrade(settings)  # as `gradelab admin` does: the schema up to date before reading it
    database = Database.from_settings(settings)
    try:
        inputs = service_inputs(database, settings, assignment_id, archive_dir=archive)
    except ServiceError as exc:
        raise click.ClickException(f"{exc.message} (database {settings.resolved_database_url()}); "
                                   "name submissions on the command line to compare files") from None
    if not inputs.submissions:
        raise click.ClickException(f"the service holds no submission of {assignment_id}; "
                                   "name submissions on the command line to compare files")
    files = template_files(template, inputs.setup.layout) if template else inputs.setup.template_files
    inputs.setup = replace(inputs.setup, template_files=files, cache_dir=cache_dir)
    return inputs


def _print(report: Report, threshold: float) -> None:
    archived = sum(e.kind == "archive" for e in report.entries)
    click.echo(f"Compared {len(report.entries)} entries ({archived} from the archive); "
               f"{len(report.skipped)} skipped.")
    for section, title in (("code", "Code"), ("answers", "Free-text answers")):
        flagged = report.flagged(section, threshold)
        click.echo(f"\n{title}: {len(flagged)} pairs with {threshold:.0%} or more in common.")
        for rank, pair in enumerate(flagged[:SHOWN_PAIRS], start=1):
            units = [m.a_label for m in pair.matching_units(UNIT_THRESHOLD)]
            shown = ", ".join(units[:4]) + (f" (+{len(units) - 4} more)" if len(units) > 4 else "")
            click.echo(f"  {rank:>3}. {pair.a} ~ {pair.b}{' (archive)' if pair.b_kind == 'archive' else ''}: "
                       f"{pair.share:.0%}  {shown}")
        if len(flagged) > SHOWN_PAIRS:
            click.echo(f"  ... {len(flagged) - SHOWN_PAIRS} more in the HTML and CSV files")
    if report.skipped:
        click.echo("\nSkipped:")
        for skipped in report.skipped:
            click.echo(f"  {skipped.name}: {skipped.reason}")
    for entry in report.entries:
        for note in entry.notes:
            click.echo(f"  note, {entry.name}: {note}")
