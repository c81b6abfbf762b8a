"""Submissions, archives and templates for the similarity tests (and bench/), built from
the release of Assignment 2 with some of its files written by hand (fixtures/)."""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import tokenize
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MASTER = ROOT / "solutions" / "a2"
RELEASE = ROOT / "assignments" / "a2"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LAYERS = "cs231n/layers.py"

#: cs231n/layers.py as the reference writes it, disguised by hand, and two implementations
#: written independently of it (explicit loops; einsum and windows views).
REFERENCE_LAYERS = (MASTER / LAYERS).read_text()
DISGUISED_LAYERS = (FIXTURES / "disguised_layers.py").read_text()
LOOPS_LAYERS = (FIXTURES / "loops_layers.py").read_text()
VECTORISED_LAYERS = (FIXTURES / "vectorised_layers.py").read_text()


def release_copy(destination: Path) -> Path:
    """The untouched release laid out as a submission (what a student downloads)."""
    shutil.copytree(RELEASE, destination, ignore=shutil.ignore_patterns("RELEASE.json", "collect_submission.*"))
    return destination


def submission(destination: Path, files: dict[str, str | bytes] | None = None,
               answers: dict[str, str] | None = None) -> Path:
    """The release with ``files`` (relative path -> content) written over it and the
    free-text ``answers`` (answer id -> text) typed into their cells."""
    release_copy(destination)
    for path, content in (files or {}).items():
        target = destination / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    for answer_id, text in (answers or {}).items():
        set_answer(destination, answer_id, text)
    return destination


def set_answer(folder: Path, answer_id: str, text: str) -> None:
    for notebook in folder.glob("*.ipynb"):
        data = json.loads(notebook.read_text())
        for cell in data["cells"]:
            if cell.get("metadata", {}).get("gradelab", {}).get("answer") == answer_id:
                cell["source"] = "*Your answer:* " + text
                notebook.write_text(json.dumps(data, indent=1))
                return
    raise KeyError(f"no answer cell {answer_id!r} in {folder}")


def zipped(folder: Path, archive: Path, prefix: str = "") -> Path:
    """``folder`` as a zip, its files under ``prefix`` (e.g. "repo/assignment2/")."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


def zip_bytes(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.writestr(zipfile.ZipInfo(path.relative_to(folder).as_posix(), (2026, 1, 1, 0, 0, 0)),
                             path.read_bytes())
    return buffer.getvalue()


def disguise(source: str, salt: str = "q") -> str:
    """A mechanical disguise of a module: the names its code binds renamed, comments and
    docstrings dropped, blank lines doubled, its top-level functions in reverse order."""
    tree = ast.parse(source)
    renamed = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    renamed |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    lines = source.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for row in range(node.lineno - 1, node.end_lineno):
                lines[row] = ""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col].rstrip()
    pattern = re.compile(r"(?<![.\w])(" + "|".join(sorted(renamed, key=len, reverse=True)) + r")\b")
    lines = [pattern.sub(lambda m: f"{salt}{m.group(1).upper()}", line) if not line.lstrip().startswith("def ")
             else re.sub(r"\((.*)\)", lambda m: "(" + pattern.sub(lambda n: f"{salt}{n.group(1).upper()}", m.group(1)) + ")", line)
             for line in lines]
    starts = [node.lineno - 1 for node in tree.body if isinstance(node, ast.FunctionDef)]
    head = lines[:starts[0]] if starts else lines
    functions = ["\n".join(line for line in lines[a:b] if line.strip())
                 for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    return "\n\n\n".join(["\n".join(head), *reversed(functions)]) + "\n"
