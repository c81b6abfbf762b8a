"""``gradelab demo``: what ``make run`` runs, end to end on one machine.

1. Rebuild the student release of Assignment 2 from the master (a no-op when current).
2. Grade the reference and the untouched release in the smoke profile, printing both tables.
3. Start the service (``gradelab serve``), which prints the URL and the tokens to submit with.
"""

from __future__ import annotations

import click

from gradelab.settings import get_settings

ASSIGNMENT = "a2"


@click.command("demo")
@click.option("--serve/--no-serve", default=True, show_default=True, help="Start the service at the end.")
@click.pass_context
def demo_command(ctx: click.Context, serve: bool) -> None:
    """Rebuild the release, grade the reference and the release, then serve."""
    from grader.grade import grade
    from grader.results.text_table import progress_line, render_table
    from release.drift import compare_tree
    from release.generate import build_release
    from release.tree import write_tree

    settings = get_settings()
    master = settings.solutions_dir / ASSIGNMENT
    destination = settings.assignments_dir / ASSIGNMENT
    release = build_release(master)
    if compare_tree(release.files, destination):
        write_tree(release.files, destination)
        click.echo(f"Rebuilt the release {destination} from {master}.")
    else:
        click.echo(f"The release {destination} is up to date with {master}.")

    def show(event: dict) -> None:
        if event.get("event") == "check":
            click.echo(progress_line(event), err=True)

    for label, submission in (("the reference", master), ("the untouched student release", destination)):
        click.echo(f"\nGrading {label} ({submission}), smoke profile, {settings.sandbox} sandbox...")
        result = grade(submission, assignment=ASSIGNMENT, profile="smoke", settings=settings, on_progress=show)
        click.echo(render_table(result))

    if serve:
        from server.cli import serve_command

        ctx.invoke(serve_command)
