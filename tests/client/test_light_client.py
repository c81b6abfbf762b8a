"""The light client installs and runs without the grader, the server or torch."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "client"


def test_the_client_distribution_needs_only_httpx_and_click():
    project = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]
    assert sorted(dep.split(">")[0] for dep in project["dependencies"]) == ["click", "httpx"]
    assert project["scripts"] == {"gradelab": "gradelab_client.cli:main"}


def test_submit_imports_nothing_of_the_grader_the_server_or_torch():
    probe = ("import sys, gradelab_client.cli\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'numpy', 'grader', 'server', "
             "'gradelab', 'fastapi', 'sqlalchemy', 'matplotlib'})\n"
             "print(heavy)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=CLIENT)
    assert done.stdout.strip() == "[]"


def test_the_client_says_where_the_other_commands_are(tmp_path):
    done = subprocess.run([sys.executable, "-c", "from gradelab_client.cli import main; main()", "serve"],
                          capture_output=True, text=True, cwd=CLIENT)
    assert done.returncode == 2 and "part of the full GradeLab" in done.stderr
