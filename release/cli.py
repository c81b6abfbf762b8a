"""`gradelab release SRC [--out DST] [--zip FILE] [--check]`."""

from __future__ import annotations

from pathlib import Path

import click

from release.drift import compare_tree
from release.errors import ReleaseError
from release.generate import build_release
from release.student_zip import student_zip
from release.tree import write_file, write_tree


@click.command("release")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "dst",
    type=click.Path(file_okay=False, path_type=Path),
    help="Release directory to write. Default: <root>/assignments/<assignment id>.",
)
@click.option(
    "--zip",
    "zip_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the release as one zip for students.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 listing each file of DST that differs from a fresh release.",
)
def release_command(src: Path, dst: Path | None, zip_path: Path | None, check: bool) -> None:
    """Write the student release of the assignment master SRC (e.g. solutions/a2).

    Solution regions become TODO stubs, notebook outputs and model answers are cleared,
    grading/ and the [release].exclude files stay behind, and the collect scripts and
    RELEASE.json are added. Writing replaces DST as a whole, or not at all.
    """
    if check and zip_path is not None:
        raise click.UsageError("--check writes nothing; leave out --zip.")
    try:
        release = build_release(src)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from None
    if dst is None:
        from gradelab.settings import get_settings

        dst = get_settings().assignments_dir / release.assignment.id

    if check:
        differences = compare_tree(release.files, dst)
        if differences:
            click.echo(f"{dst} differs from a fresh release of {src}:", err=True)
            for difference in differences:
                click.echo(f"  {difference}", err=True)
            click.echo(f"Regenerate it: gradelab release {src} --out {dst}", err=True)
            raise SystemExit(1)
        click.echo(f"{dst} is up to date with {src} ({len(release.files)} files).")
        return

    write_tree(release.files, dst)
    click.echo(
        f"Released {release.assignment.id} to {dst}: {len(release.files)} files, "
        f"{release.regions_replaced} solution regions replaced."
    )
    if zip_path is not None:
        write_file(student_zip(release.files, release.assignment.id), zip_path)
        click.echo(f"Student zip: {zip_path}")
