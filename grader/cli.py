"""``gradelab grade``: grade one submission from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gradelab.settings import get_settings
from grader.grade import grade
from grader.results.html import render_html
from grader.results.markdown import render_markdown
from grader.results.text_table import progress_line, render_table

EXIT_GRADED = 0
EXIT_NOT_GRADABLE = 2
EXIT_OUR_FAILURE = 3   # not gradable because our side failed (sandbox, data, the trusted session)


@click.command("grade")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--assignment", default="a2", show_default=True, help="Assignment id, or a master directory.")
@click.option("--profile", type=click.Choice(["smoke", "full"]), help="Default: GRADELAB_PROFILE or smoke.")
@click.option("--sandbox", type=click.Choice(["bwrap", "docker", "none"]), help="Default: GRADELAB_SANDBOX or bwrap.")
@click.option("--unsafe", is_flag=True, help="Allow --sandbox none (student code runs unconfined).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), help="Data sets directory of the profile.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write results.json here.")
@click.option("--markdown", "markdown_path", type=click.Path(path_type=Path), help="Write the Markdown report here.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), help="Write the HTML report here.")
@click.option("--keep", "keep_dir", type=click.Path(path_type=Path), help="Keep the run's work files here.")
@click.option("--part", "parts", multiple=True, help="Grade only this notebook's checks (repeatable), e.g. --part Dropout.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def grade_command(submission: Path, assignment: str, profile: str | None, sandbox: str | None, unsafe: bool,
                  data_dir: Path | None, json_path: Path | None, markdown_path: Path | None,
                  html_path: Path | None, keep_dir: Path | None, parts: tuple[str, ...], quiet: bool) -> None:
    """Grade SUBMISSION: a collect_submission zip, the course's a2_code_submission.zip, a
    directory laid out the same way, or one notebook (then only its checks are graded).

    Exit status 0 when the submission was graded (whatever the score), 2 when it could not
    be graded at all because of the submission, 3 when because of our side (what failed is
    printed on stderr).
    """
    settings = get_settings()

    def show(event: dict) -> None:
        if quiet:
            return
        if event.get("event") == "plan":
            click.echo(f"Grading {submission} ({event['total']} checks)...", err=True)
        elif event.get("event") == "check":
            click.echo(progress_line(event), err=True)

    result = grade(submission, assignment=assignment, profile=profile, sandbox=sandbox,
                   allow_unsafe=unsafe or None, data_dir=data_dir, settings=settings,
                   on_progress=show, keep_dir=keep_dir, parts=list(parts) or None)
    if json_path:  # first: the results must not depend on the reports rendering
        result.write_json(json_path)
    for path, render in ((markdown_path, render_markdown), (html_path, render_html)):
        if path:
            Path(path).write_text(render(result), encoding="utf-8")
    click.echo(render_table(result))
    if result.staff_detail:  # whoever runs the grader here is the one who can fix our side
        click.echo(f"What failed: {result.staff_detail}", err=True)
    if result.gradable:
        sys.exit(EXIT_GRADED)
    sys.exit(EXIT_OUR_FAILURE if result.infrastructure_failed else EXIT_NOT_GRADABLE)
