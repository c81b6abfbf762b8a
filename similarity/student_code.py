"""What a student wrote in one entry: its units with the template's lines taken out.

For each unit (a function, a class body, a module's or a notebook cell's top-level code,
see :mod:`similarity.python_code`) the lines are compared with the same unit of the
template (the release the students started from): lines the template has, in the same
order, are the template's; the others are the student's. Comparing unit by unit keeps
this right when functions are moved around. Only the student's tokens are kept.

Free-text answers are words: the template's answer cell (the release's placeholder) is
taken out the same way, word by word.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import PurePosixPath

from grader.answers import answers_in_cells
from similarity.layout import Layout
from similarity.python_code import (
    Bindings,
    Unit,
    UnreadableSource,
    guess_bindings,
    normalised_tokens,
    parse,
    read_tree,
    split_units,
    string_statement_lines,
)

#: Words of an answer: letters and digits (markdown marks and punctuation fall away).
_WORD = re.compile(r"[A-Za-z0-9]+")
#: The unit of a .py file that does not parse.
WHOLE_FILE = "<file>"
#: Notebook lines that are IPython, not Python (magics, shell escapes): blanked before parsing.
_MAGIC = re.compile(r"^\s*[%!]")


@dataclass
class StudentUnit:
    """One unit's student-written part."""

    key: str                                      # "cs231n/layers.py::affine_forward"
    label: str                                    # "cs231n/layers.py: affine_forward"
    source: list[str]                             # the unit's lines as submitted
    tokens: list[str]                             # normalised tokens the student wrote, in order
    places: list[tuple[int, int, int, int]]       # each token's place in ``source`` (line, col, line, col)
    salt: str = ""                                # answers: the question, so only the same question meets


@dataclass
class StudentWork:
    code: list[StudentUnit] = field(default_factory=list)
    answers: list[StudentUnit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # files or cells left out, and why


@dataclass(frozen=True)
class _Cell:
    text: str
    tree: ast.Module | None
    bindings: Bindings
    strings: set[int]
    error: str = ""


@dataclass
class TemplateUnits:
    """The template read the same way, once: each unit's normalised lines, and its tokens
    (to rule out any stretch of template code wherever a student moved it)."""

    files: dict[str, bytes]
    lines: dict[str, list[str]] = field(default_factory=dict)        # unit key -> normalised lines
    code_streams: list[list[str]] = field(default_factory=list)
    cells: dict[str, dict[str, str]] = field(default_factory=dict)   # notebook -> cell id -> source
    answers: dict[str, list[str]] = field(default_factory=dict)      # question id -> words
    parsed_cells: dict[str, _Cell] = field(default_factory=dict)     # cell source -> parsed


def _normal_line(line: str) -> str:
    return " ".join(line.split())


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableSource(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


class _Reader:
    """Turns files into units; the template and the entries go through the same code."""

    def __init__(self, layout: Layout, cells: dict[str, _Cell], *, remember: bool):
        self.layout = layout
        self.cells, self.remember = cells, remember

    def python_units(self, path: str, text: str, notes: list[str]) -> tuple[list[str], list[Unit]]:
        """The lines of a .py file and its units (one block when it does not parse)."""
        try:
            tree = parse(text)
        except UnreadableSource as exc:
            notes.append(f"{path}: {exc}; compared as one block")
            return text.splitlines(), [_one_block(text, WHOLE_FILE)]
        bindings, strings = read_tree(tree)
        return text.splitlines(), list(split_units(text, tree, bindings, strings).values())

    def notebook_cells(self, path: str, data: bytes) -> list[dict]:
        try:
            cells = json.loads(_decode(data, path)).get("cells")
        except (ValueError, AttributeError) as exc:
            raise UnreadableSource(f"{path} is not a notebook ({type(exc).__name__})") from None
        if not isinstance(cells, list):
            raise UnreadableSource(f"{path} is not a notebook (no list of cells)")
        return [cell for cell in cells if isinstance(cell, dict)]

    def notebook_units(self, path: str, cells: list[dict], notes: list[str],
                       unchanged: dict[str, str] | None = None) -> list[tuple[list[str], Unit, str]]:
        """(cell lines, unit, label) for each unit of the code cells; cells equal to the
        template's cell of the same id (``unchanged``) are left out unread."""
        parsed = []
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code":
                continue
            source = _cell_text(cell)
            cell_id = str(cell.get("id") or f"#{index}")
            changed = unchanged is None or unchanged.get(cell_id) != source
            read = self.read_cell(source)
            if read.error and changed:
                notes.append(f"{path} cell {index + 1}: {read.error}; compared as one block")
            parsed.append((index, cell_id, read, changed))
        # Names bound anywhere in the notebook, so a cell reads the same whichever cells changed.
        bindings = Bindings.union([read.bindings for _, _, read, _ in parsed if read.tree is not None])
        out, seen = [], set()
        for index, cell_id, read, changed in parsed:
            if not changed:
                continue
            cell_key = f"cell {cell_id}"
            if read.tree is None:
                units = {cell_key: _one_block(read.text, cell_key)}
            else:
                units = split_units(read.text, read.tree, bindings, read.strings, default=cell_key)
            for key, unit in units.items():
                label = f"cell {index + 1}" if key == cell_key else key
                while unit.key in seen:  # a function defined again in a later cell
                    unit.key += "'"
                seen.add(unit.key)
                out.append((read.text.splitlines(), unit, label))
        return out

    def read_cell(self, source: str) -> _Cell:
        """A code cell parsed (IPython lines blanked); the template's cells are remembered,
        since most cells of every entry are exactly those."""
        read = self.cells.get(source)
        if read is None:
            text = "\n".join("" if _MAGIC.match(line) else line for line in source.splitlines())
            try:
                tree = parse(text)
            except UnreadableSource as exc:
                return _Cell(text, None, Bindings(frozenset(), frozenset(), {}), set(), str(exc))
            bindings, strings = read_tree(tree)
            read = _Cell(text, tree, bindings, strings)
            if self.remember:
                self.cells[source] = read
        return read


def _cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _one_block(text: str, key: str) -> Unit:
    """``text`` that does not parse, as a single unit tokenised without a tree: what it
    binds and its docstrings are guessed from the tokens (raises UnreadableSource when
    even tokenize fails)."""
    unit = Unit(key, list(range(len(text.splitlines()))))
    for token, place in normalised_tokens(text, guess_bindings(text), string_statement_lines(text)):
        unit.tokens.append(token)
        unit.places.append(place)
    return unit


def read_template(files: dict[str, bytes], layout: Layout) -> TemplateUnits:
    """The template's units. Files it cannot read are simply not subtracted."""
    template = TemplateUnits(files=dict(files))
    reader = _Reader(layout, template.parsed_cells, remember=True)
    notes: list[str] = []
    for path, data in sorted(files.items()):
        if not layout.compares(path):
            continue
        try:
            text = _decode(data, path)
            if path.endswith(".py"):
                file_lines, units = reader.python_units(path, text, notes)
                labelled = [(file_lines, unit, unit.key) for unit in units]
            else:
                cells = reader.notebook_cells(path, data)
                template.cells[path] = {str(c.get("id") or f"#{i}"): _cell_text(c) for i, c in enumerate(cells)
                                        if c.get("cell_type") == "code"}
                labelled = reader.notebook_units(path, cells, notes)
                ids = list(layout.answers.get(path, ()))
                for answer_id, answer in answers_in_cells(cells, ids).items():
                    template.answers[answer_id] = [w.lower() for w in _WORD.findall(answer or "")]
        except UnreadableSource:
            continue
        for file_lines, unit, _label in labelled:
            template.lines[f"{path}::{unit.key}"] = [_normal_line(file_lines[n]) for n in unit.lines
                                                     if n < len(file_lines)]
            template.code_streams.append(unit.tokens)
        if path.endswith(".py"):  # for a student's file that does not parse
            template.lines[f"{path}::{WHOLE_FILE}"] = [_normal_line(line) for line in text.splitlines()]
    return template


def read_student_work(files: dict[str, bytes], template: TemplateUnits, layout: Layout) -> StudentWork:
    """The student-written units of an entry's ``files`` (relative path -> bytes)."""
    reader = _Reader(layout, template.parsed_cells, remember=False)
    work = StudentWork()
    for path, data in sorted(files.items()):
        if not layout.compares(path) or template.files.get(path) == data:
            continue
        try:
            text = _decode(data, path)
            if path.endswith(".py"):
                file_lines, units = reader.python_units(path, text, work.notes)
                labelled = [(file_lines, unit, unit.key) for unit in units]
            else:
                cells = reader.notebook_cells(path, data)
                labelled = reader.notebook_units(path, cells, work.notes, template.cells.get(path))
                work.answers.extend(_answer_units(path, cells, template, layout))
        except UnreadableSource as exc:
            work.notes.append(f"{path} left out: {exc}")
            continue
        for file_lines, unit, label in labelled:
            student = _student_part(path, file_lines, unit, label, template.lines.get(f"{path}::{unit.key}"))
            if student is not None:
                work.code.append(student)
    return work


def _student_part(path: str, file_lines: list[str], unit: Unit, label: str,
                  template_lines: list[str] | None) -> StudentUnit | None:
    """The unit's tokens on lines the template does not have; None when there are none."""
    lines = [n for n in unit.lines if n < len(file_lines)]
    normal = [_normal_line(file_lines[n]) for n in lines]
    theirs: set[int] = set()
    if template_lines:
        matcher = SequenceMatcher(None, template_lines, normal, autojunk=False)
        for block in matcher.get_matching_blocks():
            theirs.update(lines[block.b:block.b + block.size])
    row = {n: i for i, n in enumerate(lines)}
    tokens, places = [], []
    for token, (line0, col0, line1, col1) in zip(unit.tokens, unit.places, strict=True):
        if line0 in theirs or line0 not in row:
            continue
        if token == "\n" and (not tokens or tokens[-1] == "\n"):
            continue
        tokens.append(token)
        places.append((row[line0], col0, row.get(line1, row[line0]), col1))
    if not any(token != "\n" for token in tokens):
        return None
    return StudentUnit(key=f"{path}::{unit.key}", label=f"{path}: {label}",
                       source=[file_lines[n] for n in lines], tokens=tokens, places=places)


def _answer_units(path: str, cells: list[dict], template: TemplateUnits, layout: Layout) -> list[StudentUnit]:
    ids = list(layout.answers.get(path, ()))
    units = []
    for answer_id, answer in answers_in_cells(cells, ids).items():
        if not answer:
            continue
        source = answer.splitlines()
        words = [(m.group().lower(), (row, m.start(), row, m.end()))
                 for row, line in enumerate(source) for m in _WORD.finditer(line)]
        theirs: set[int] = set()
        given = template.answers.get(answer_id, [])
        if given:
            matcher = SequenceMatcher(None, given, [w for w, _ in words], autojunk=False)
            for block in matcher.get_matching_blocks():
                theirs.update(range(block.b, block.b + block.size))
        kept = [word for index, word in enumerate(words) if index not in theirs]
        if not kept:
            continue
        units.append(StudentUnit(key=f"{path}::{answer_id}", label=f"{PurePosixPath(path).stem}: {answer_id}",
                                 source=source, tokens=[w for w, _ in kept], places=[p for _, p in kept],
                                 salt=answer_id))
    return units
