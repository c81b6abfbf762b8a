"""Solution regions in source text: finding them and replacing them with a stub.

A region is the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, each marker
alone on its line (any indentation, exactly these words). Regions do not nest. The
release puts two lines at the BEGIN marker's indentation where a region stood::

    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")

so a region must be a whole block at one indentation level: its END marker sits at the
BEGIN marker's indentation and no line inside is indented less. Anything that breaks
these rules raises :class:`MarkerError` naming the place and line; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from release.errors import MarkerError, Where

BEGIN_MARKER = "### BEGIN SOLUTION"
END_MARKER = "### END SOLUTION"

STUB_COMMENT = "# TODO: Write your code here, following the instructions above."
STUB_RAISE = 'raise NotImplementedError("write your code here, then delete this line")'

# A line that mentions a marker without being exactly one is a typo to report, not code.
MARKER_LIKE = re.compile(r"\b(BEGIN|END)\s+SOLUTION\b", re.IGNORECASE)


@dataclass(frozen=True)
class Region:
    """One solution region; line numbers count from 0 within the text."""

    begin: int  # the BEGIN marker's line
    end: int  # the END marker's line
    indent: str  # the BEGIN marker's leading whitespace
    body: tuple[str, ...]  # the lines between the markers, without line endings


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def find_regions(text: str, where: Where) -> list[Region]:
    """The solution regions of ``text`` in order; raises MarkerError on a malformed one."""
    regions: list[Region] = []
    open_at: int | None = None
    lines = text.splitlines()
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped == BEGIN_MARKER:
            if open_at is not None:
                raise MarkerError(
                    f"{where.line(number + 1)}: nested {BEGIN_MARKER!r}: the region opened on "
                    f"line {open_at + 1} is still open. Regions do not nest; close it first."
                )
            open_at = number
        elif stripped == END_MARKER:
            if open_at is None:
                raise MarkerError(
                    f"{where.line(number + 1)}: {END_MARKER!r} without a {BEGIN_MARKER!r} "
                    "before it. Remove it or add the missing BEGIN marker."
                )
            indent = _indent_of(lines[open_at])
            if _indent_of(line) != indent:
                raise MarkerError(
                    f"{where.line(number + 1)}: {END_MARKER!r} is indented differently from its "
                    f"{BEGIN_MARKER!r} on line {open_at + 1}. Both markers must sit at the "
                    "indentation of the code they enclose."
                )
            regions.append(Region(open_at, number, indent, tuple(lines[open_at + 1 : number])))
            open_at = None
        elif MARKER_LIKE.search(line):
            raise MarkerError(
                f"{where.line(number + 1)}: {stripped!r} looks like a solution marker but is not "
                f"one. Write {BEGIN_MARKER!r} or {END_MARKER!r} exactly, alone on the line."
            )
        elif open_at is not None and stripped and not line.startswith(_indent_of(lines[open_at])):
            raise MarkerError(
                f"{where.line(number + 1)}: this line inside the region opened on line "
                f"{open_at + 1} is indented less than the {BEGIN_MARKER!r} marker. A region must "
                "be one block at one indentation level; move the markers."
            )
    if open_at is not None:
        raise MarkerError(
            f"{where.line(open_at + 1)}: {BEGIN_MARKER!r} is never closed. Add {END_MARKER!r} "
            "after the solution code."
        )
    return regions


def stub_lines(indent: str) -> list[str]:
    """What replaces a region: a TODO comment and a raise, at the region's indentation."""
    return [indent + STUB_COMMENT, indent + STUB_RAISE]


def replace_regions(text: str, regions: Sequence[Region]) -> str:
    """``text`` with each of its ``regions`` (from :func:`find_regions`) replaced by a stub.

    Line endings outside the regions are kept as they are, including a missing one on the
    last line (the usual case for a notebook cell).
    """
    if not regions:
        return text
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    start = 0
    for region in regions:
        out.extend(lines[start : region.begin])
        begin_line, end_line = lines[region.begin], lines[region.end]
        comment, raise_ = stub_lines(region.indent)
        out.append(comment + begin_line[len(begin_line.rstrip("\r\n")) :])
        out.append(raise_ + end_line[len(end_line.rstrip("\r\n")) :])
        start = region.end + 1
    out.extend(lines[start:])
    return "".join(out)
