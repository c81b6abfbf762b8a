"""The collect scripts a release ships, rendered from the templates beside this module.

``collect_submission.sh`` (bash + zip) and ``collect_submission.py`` (any Python 3, standard
library only) do the same thing, run from the assignment folder: check that every
notebook and every code file a submission needs is there (naming each missing one and
exiting 1 if not), then write the submission zip with the notebooks at its root and every
``.py`` file of the package under its own path, caches and hidden files left out. Both
list the members in the same order: the notebooks as assignment.toml lists them, then
the package's files sorted by path.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import jinja2

from gradelab.manifest import Assignment

TEMPLATES = Path(__file__).parent
SCRIPT_NAMES = ("collect_submission.sh", "collect_submission.py")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["shquote"] = shlex.quote
    env.filters["pyrepr"] = repr
    return env


def collect_scripts(assignment: Assignment) -> dict[str, bytes]:
    """The scripts' released paths and contents, filled in with ``assignment``'s names."""
    env = _environment()
    values = {
        "assignment_id": assignment.id,
        "title": assignment.title,
        "package": assignment.package,
        "notebooks": list(assignment.notebooks),
        "code_files": list(assignment.student_files),
        "zip_name": assignment.submission_zip,
    }
    return {
        name: env.get_template(f"{name}.j2").render(values).encode("utf-8") for name in SCRIPT_NAMES
    }
