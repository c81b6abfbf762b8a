"""The ``gradelab`` command of the light client: ``submit``, and a clear word for the rest."""

from __future__ import annotations

import click

from gradelab_client.submit import submit_command

FULL = ("release", "data", "grade", "serve", "worker", "admin", "demo")


class ClientGroup(click.Group):
    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in FULL:
            ctx.fail(f"`gradelab {name}` is part of the full GradeLab (grader and server); this is the light "
                     "client, which only submits. Install the project itself for it.")
        return command


@click.group(cls=ClientGroup)
def main() -> None:
    """GradeLab's light client: submit work to a GradeLab server and wait for its grade."""


main.add_command(submit_command)
