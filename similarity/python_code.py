"""Python source as the engine compares it: normalised tokens, cut into units.

A *unit* is one function or method (``affine_forward``, ``FullyConnectedNet.loss``; a
function nested in another belongs to the outer one), a class body's other statements
(``FullyConnectedNet``), or the rest of a module (``<module>``). Comparing unit by unit
makes the order of functions irrelevant.

Normalisation keeps what carries meaning and drops what a copier changes for free:

- names the code binds (variables, parameters, functions, classes, attributes it assigns)
  become ``V``; names it only uses (``range``, keyword arguments, ``.reshape``) stay;
  an imported name becomes what it imports (``np`` -> ``numpy``), so aliases do not matter;
- string literals become ``S``; numbers become their value (``1e-5`` = ``0.00001``);
- comments, docstrings, blank lines and indentation vanish; ``;`` is a line end, and a
  block may start on its colon's line or the next.

Each token keeps its place in the source (line and column, from 0) for highlighting.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import tokenize
from dataclasses import dataclass, field
from functools import lru_cache

NEWLINE = "\n"
MODULE_UNIT = "<module>"


# A scanner for what normalisation needs of tokenize (names, numbers, strings, operators,
# logical line ends, places), several times faster than tokenize: one regular expression
# over the whole text instead of Python code per token. Strings take their prefixes and
# may span lines; comments, blank lines and continuations are skipped.
_SCAN = re.compile("|".join([  # the most frequent first: the engine tries them in this order
    r"(?P<space>[ \t\f]+)",
    r"(?P<string>(?:[rRbBuUfF]{1,2})?(?:'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""'
    r"|'(?:[^'\\\r\n]|\\[\s\S])*'"
    r'|"(?:[^"\\\r\n]|\\[\s\S])*"))',
    r"(?P<name>[^\W\d]\w*)",
    f"(?P<op>{tokenize.Special})",
    r"(?P<newline>\r?\n|\r)",
    f"(?P<number>{tokenize.Number})(?![\\w.])",
    r"(?P<comment>\#[^\r\n]*)",
    r"(?P<continuation>\\\r?\n)",
    r"(?P<error>.)",
]))
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")


def scan(text: str) -> list[tuple[str, str, tuple[int, int, int, int]]]:
    """(kind, text, (line0, col0, line1, col1)) of each token that carries meaning; kind is
    name, number, string, op, newline (a logical line's end) or error."""
    out: list[tuple[str, str, tuple[int, int, int, int]]] = []
    line, line_start, depth, pending = 0, 0, 0, False
    for match in _SCAN.finditer(text):
        kind, value, start = match.lastgroup, match.group(), match.start()
        if kind == "space" or kind == "comment":
            continue
        col = start - line_start
        if kind == "newline" or kind == "continuation":
            if kind == "newline" and depth == 0 and pending:
                out.append(("newline", "\n", (line, col, line, col + 1)))
                pending = False
            line, line_start = line + 1, match.end()
            continue
        if kind == "op":
            if value in _OPEN:
                depth += 1
            elif value in _CLOSE:
                depth = max(0, depth - 1)
        breaks = value.count("\n") if kind == "string" else 0
        if breaks:
            end_line, end_col = line + breaks, match.end() - (start + value.rindex("\n") + 1)
            out.append((kind, value, (line, col, end_line, end_col)))
            line, line_start = end_line, start + value.rindex("\n") + 1
        else:
            out.append((kind, value, (line, col, line, col + len(value))))
        pending = True
    if pending:
        out.append(("newline", "", (line, len(text) - line_start, line, len(text) - line_start)))
    return out


class UnreadableSource(Exception):
    """The text cannot be tokenised as Python; the message says where."""


@dataclass
class Unit:
    """One unit of a source text: its normalised tokens and where each one stands."""

    key: str                      # "affine_forward", "FullyConnectedNet.loss", "<module>"
    lines: list[int]              # the source's line numbers (0-based) that belong to the unit
    tokens: list[str] = field(default_factory=list)
    places: list[tuple[int, int, int, int]] = field(default_factory=list)  # line0, col0, line1, col1


@dataclass(frozen=True)
class Bindings:
    """What a source defines: the names that become ``V`` and the imports' real names."""

    bound: frozenset[str]
    attributes: frozenset[str]    # attribute names the code assigns (self.conv1 = ...)
    imports: dict[str, str]       # local name -> what it imports ("np" -> "numpy")

    @staticmethod
    def union(parts: list[Bindings]) -> Bindings:
        imports: dict[str, str] = {}
        for part in parts:
            imports.update(part.imports)
        return Bindings(frozenset().union(*(p.bound for p in parts)),
                        frozenset().union(*(p.attributes for p in parts)), imports)


def parse(text: str) -> ast.Module:
    """``text`` parsed; raises UnreadableSource saying which line is wrong."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte
        line = getattr(exc, "lineno", None)
        raise UnreadableSource(f"not valid Python{f' (line {line})' if line else ''}: "
                               f"{getattr(exc, 'msg', None) or exc}") from None


def read_tree(tree: ast.Module) -> tuple[Bindings, set[int]]:
    """What ``tree`` binds, and the 0-based lines of its statements that are only a string
    (docstrings, string "comments"): one walk over the tree for both."""
    bound: set[str] = set()
    attributes: set[str] = set()
    imports: dict[str, str] = {}
    strings: set[int] = set()
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Name:
            if type(node.ctx) is not ast.Load:
                bound.add(node.id)
        elif kind is ast.Attribute:
            if type(node.ctx) is not ast.Load:
                attributes.add(node.attr)
        elif kind is ast.arg:
            bound.add(node.arg)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            bound.add(node.name)
        elif kind is ast.Expr:
            if type(node.value) is ast.Constant and isinstance(node.value.value, str):
                strings.update(range(node.lineno - 1, node.end_lineno or node.lineno))
        elif kind is ast.ExceptHandler:
            if node.name:
                bound.add(node.name)
        elif kind in (ast.Global, ast.Nonlocal):
            bound.update(node.names)
        elif kind in (ast.Import, ast.ImportFrom):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
    return Bindings(frozenset(bound - set(imports)), frozenset(attributes), imports), strings


def unit_of_lines(tree: ast.Module, line_count: int, default: str = MODULE_UNIT) -> list[str]:
    """The unit key of each 0-based line: its function, method or class, else ``default``."""
    owner = [default] * line_count

    def claim(node: ast.AST, key: str) -> None:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        for line in range(first, min(node.end_lineno or node.lineno, line_count)):
            owner[line] = key

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            claim(node, node.name)
        elif isinstance(node, ast.ClassDef):
            claim(node, node.name)
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    claim(member, f"{node.name}.{member.name}")
    return owner


@lru_cache(maxsize=4096)
def _number(text: str) -> str:
    """A number literal as its value, so ``1e-5``, ``0.00001`` and ``1_0`` read as they mean."""
    digits = text.replace("_", "")
    try:
        return repr(float(int(digits, 0) if digits[:2].lower() in ("0x", "0o", "0b") else float(digits)))
    except (ValueError, OverflowError):
        return text  # complex literals (1j), or something tokenize let through


def normalised_tokens(text: str, bindings: Bindings, skip_lines: set[int]) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(normalised token, (line0, col0, line1, col1)) for ``text``, leaving out tokens that
    start on ``skip_lines`` (docstrings)."""
    out: list[tuple[str, tuple[int, int, int, int]]] = []
    previous = ""           # the previous token's text
    depth = 0               # bracket depth
    signature_depth = None  # the depth of a def's parameter list while inside it
    expect_signature = False
    tokens = scan(text)
    for index, (kind, string, place) in enumerate(tokens):
        if place[0] in skip_lines:
            continue
        if kind == "newline" or string == ";":
            # After a block's colon a line break is layout: `if x: y` is `if x:` then `y`.
            if out and out[-1][0] not in (NEWLINE, ":"):
                out.append((NEWLINE, place))
            previous = NEWLINE
            continue
        if kind == "op":
            if string in _OPEN:
                depth += 1
                if expect_signature and string == "(":
                    signature_depth, expect_signature = depth, False
            elif string in _CLOSE:
                if signature_depth == depth:
                    signature_depth = None
                depth -= 1
            normal = string
        elif kind == "name":
            if string in ("def", "class"):
                expect_signature = string == "def"
                normal = string
            elif keyword.iskeyword(string):
                normal = string
            elif previous == ".":
                normal = "V" if string in bindings.attributes else string
            elif string in bindings.imports:
                normal = bindings.imports[string]
            elif depth and signature_depth is None and index + 1 < len(tokens) and tokens[index + 1][1] == "=":
                normal = string  # a keyword argument of a call: the API's name
            else:
                normal = "V" if string in bindings.bound else string
        elif kind == "string":
            normal = "S"
        elif kind == "number":
            normal = _number(string)
        else:
            normal = string
        out.append((normal, place))
        previous = string
    return out


def split_units(text: str, tree: ast.Module, bindings: Bindings, strings: set[int], *,
                default: str = MODULE_UNIT) -> dict[str, Unit]:
    """The units of ``text`` (already parsed as ``tree``), each with its tokens; ``strings``
    are the lines of string statements, left out (see :func:`read_tree`)."""
    lines = text.splitlines()
    owner = unit_of_lines(tree, len(lines) + 1, default)
    units: dict[str, Unit] = {}
    for number, key in enumerate(owner[:len(lines)]):
        units.setdefault(key, Unit(key, [])).lines.append(number)
    for token, place in normalised_tokens(text, bindings, strings):
        key = owner[min(place[0], len(owner) - 1)]
        unit = units.setdefault(key, Unit(key, []))
        if token == NEWLINE and (not unit.tokens or unit.tokens[-1] == NEWLINE):
            continue
        unit.tokens.append(token)
        unit.places.append(place)
    return units


def guess_bindings(text: str) -> Bindings:
    """:func:`read_tree`'s bindings for text that does not parse: imports read off their
    lines, assigned attributes off ``.name =``, and every other name taken as bound
    except Python's builtins."""
    imports = dict(re.findall(r"^\s*import\s+([\w.]+)\s+as\s+(\w+)", text, re.MULTILINE))
    imports = {alias: module for module, alias in imports.items()}
    for names in re.findall(r"^\s*from\s+\S+\s+import\s+(.+)$", text, re.MULTILINE):
        for original, alias in re.findall(r"(\w+)\s+as\s+(\w+)", names):
            imports[alias] = original
    attributes = frozenset(re.findall(r"\.(\w+)\s*=(?!=)", text))
    names = set(re.findall(r"[A-Za-z_]\w*", text)) - set(dir(builtins)) - set(imports)
    return Bindings(frozenset(names), attributes, imports)


def string_statement_lines(text: str) -> set[int]:
    """0-based lines of statements that are only a string, found without a parse."""
    lines: set[int] = set()
    tokens = scan(text)
    for before, token, after in zip([None, *tokens], tokens, [*tokens[1:], None], strict=False):
        if token[0] == "string" and (before is None or before[0] == "newline" or before[1] == ":") \
                and (after is None or after[0] == "newline"):
            lines.update(range(token[2][0], token[2][2] + 1))
    return lines
