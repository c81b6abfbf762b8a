"""The `gradelab` command. Each area owns its subcommands; this module only lists them.

Subcommands are imported when used, so `gradelab grade` does not pay for FastAPI and
`gradelab serve` does not pay for torch.
"""

from __future__ import annotations

import importlib

import click

#: name -> ("module:attribute" of a click command or group, one-line help for the listing).
COMMANDS: dict[str, tuple[str, str]] = {
    "release": ("release.cli:release_command", "Write the student release of an assignment."),
    "data": ("grader.datasets.cli:data_group", "Fetch the real data sets or write synthetic ones."),
    "grade": ("grader.cli:grade_command", "Grade a submission and print its results."),
    "serve": ("server.cli:serve_command", "Run the grading service."),
    "worker": ("server.cli:worker_command", "Run Celery grading workers (scale-out)."),
    "admin": ("server.cli:admin_group", "Manage users and tokens of the service."),
    "submit": ("gradelab_client.submit:submit_command", "Submit work to a GradeLab server."),
    "similarity": ("similarity.cli:similarity_command", "Find copied code and answers among submissions."),
    "demo": ("gradelab.demo:demo_command", "What `make run` runs."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The listing uses the static one-liners so `gradelab --help` imports nothing heavy.
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup)
@click.version_option(package_name="gradelab")
def main() -> None:
    """GradeLab: release, grade and serve deep-learning assignments."""
