"""The last line of defence: does anything of the solution show in what students get?

The steps before this one are meant to remove the solution; this module checks the result
independently, so a missed marker, a file the exclude list forgot or a step that broke
shows up as a :class:`SolutionLeak` instead of a published answer key.

A released file leaks when

- its path is under ``grading/`` or hidden (a part of it starts with ``.``);
- it contains marker text (anything like ``BEGIN SOLUTION`` / ``END SOLUTION``);
- it is a notebook with outputs in a code cell (the master's outputs are the solution's);
- one of its lines is a *solution line*.

Solution lines are the lines inside solution regions (``.py`` files and code cells) and
the lines of model answers (markdown cells with ``gradelab.answer`` metadata), compared
with whitespace collapsed, except:

- lines that the master's code also holds outside every region (``.py`` files and code
  cells): provided code the release ships anyway, such as ``N = x.shape[0]`` in a helper.
  Prose and other files do not count here, so a solution pasted into a README or a
  markdown cell is still caught;
- trivial lines that say nothing about a solution: blank, brackets and punctuation only,
  bare keywords (``pass``, ``return``, ``else:`` ...), ``return`` of bare names
  (``return out, cache``, ``return dx, dw, db``), imports, and empty or one-word comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import nbformat

from release.errors import InvalidNotebook, SolutionLeak, Where
from release.markers import MARKER_LIKE, find_regions
from release.notebooks import read_notebook
from release.preprocessors.clear_answers import answer_id
from release.preprocessors.drop_hidden import DropHidden

_TRIVIAL = re.compile(
    r"""
      [\s()\[\]{},.:;'"\\]*                                   # blank, or brackets/punctuation only
    | (?:pass|continue|break|return|return\ None|\.\.\.)      # a bare keyword
    | (?:else|try|finally|except)\s*:
    | return\ \(?\w+(?:\s*,\s*\w+)*,?\)?                      # return out, cache
    | (?:from\ [\w.]+\ )?import\ [\w., ]+(?:\ as\ \w+)?       # an import
    | \#+\s*\w*                                               # an empty or one-word comment
    """,
    re.VERBOSE,
)


def normalize(line: str) -> str:
    return " ".join(line.split())


def is_trivial(line: str) -> bool:
    """Whether a (normalized) line is too generic to count as solution material."""
    return _TRIVIAL.fullmatch(line) is not None


@dataclass(frozen=True)
class Leak:
    where: Where
    line: int | None  # 1-based, within the file or the cell; None for the whole file/cell
    what: str

    def __str__(self) -> str:
        place = str(self.where) if self.line is None else self.where.line(self.line)
        return f"{place}: {self.what}"


@dataclass(frozen=True)
class _Text:
    """One piece of text of a file: a whole file, or one notebook cell."""

    where: Where
    source: str
    cell: nbformat.NotebookNode | None = None


def _texts(path: str, data: bytes) -> Iterator[_Text]:
    """The text pieces of a file; nothing for binary files."""
    if path.endswith(".ipynb"):
        try:
            nb = read_notebook(data, path)
        except InvalidNotebook:
            pass  # not a notebook after all: check it as plain text
        else:
            for index, cell in enumerate(nb.cells):
                yield _Text(Where(path, index), cell.source, cell)
            return
    try:
        yield _Text(Where(path), data.decode("utf-8"))
    except UnicodeDecodeError:
        return


def _is_code(path: str, piece: _Text) -> bool:
    return piece.cell.cell_type == "code" if piece.cell is not None else path.endswith(".py")


def solution_lines(master: Mapping[str, bytes]) -> dict[str, str]:
    """The master's solution lines (normalized) -> where the first of each stands.

    ``master`` maps paths to the bytes of the master files that the release ships,
    before any step ran.
    """
    secret: dict[str, str] = {}
    shipped_code: set[str] = set()
    for path, data in master.items():
        for piece in _texts(path, data):
            lines = [normalize(line) for line in piece.source.splitlines()]
            if piece.cell is not None and answer_id(piece.cell) is not None:
                hidden = set(range(len(lines)))
            elif _is_code(path, piece):
                hidden = {
                    number
                    for region in find_regions(piece.source, piece.where)
                    for number in range(region.begin, region.end + 1)
                }
                shipped_code.update(line for n, line in enumerate(lines) if n not in hidden)
            else:
                continue
            for number in sorted(hidden):
                secret.setdefault(lines[number], piece.where.line(number + 1))
    return {
        line: at for line, at in secret.items() if line not in shipped_code and not is_trivial(line)
    }


def find_leaks(released: Mapping[str, bytes], master: Mapping[str, bytes]) -> list[Leak]:
    """Everything of the solution found in ``released`` (paths -> bytes of a release).

    ``master`` is as for :func:`solution_lines`.
    """
    secret = solution_lines(master)
    shippable = DropHidden()
    leaks: list[Leak] = []
    for path, data in sorted(released.items()):
        if not shippable.keep(path):
            leaks.append(Leak(Where(path), None, "the hidden rubric or a hidden file is released"))
        for piece in _texts(path, data):
            if piece.cell is not None and piece.cell.get("outputs"):
                leaks.append(Leak(piece.where, None, "a code cell keeps the master's outputs"))
            for number, line in enumerate(piece.source.splitlines(), start=1):
                if MARKER_LIKE.search(line):
                    leaks.append(Leak(piece.where, number, f"marker text: {line.strip()!r}"))
                elif normalize(line) in secret:
                    what = f"solution line (from {secret[normalize(line)]}): {line.strip()!r}"
                    leaks.append(Leak(piece.where, number, what))
    return leaks


def check_no_leaks(released: Mapping[str, bytes], master: Mapping[str, bytes]) -> None:
    """Raise :class:`SolutionLeak` listing every leak :func:`find_leaks` finds."""
    leaks = find_leaks(released, master)
    if leaks:
        raise SolutionLeak(leaks)
