"""Facts about a submitted notebook read from its source on the trusted side.

The notebook is read as JSON and its code cells parsed with ``ast``: nothing is imported or
run. Used where a check needs a fact the sandbox would otherwise report about itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

from scenarios.course_notebook import find_course_cells

from grader.student_side.loader import notebook_code_cells, parse_cell


def _trees(notebook: Path) -> list[ast.Module]:
    trees = []
    for source in notebook_code_cells(notebook):
        try:
            trees.append(parse_cell(source))
        except SyntaxError:
            continue
    return trees


def _mentions(node: ast.AST, name: str) -> bool:
    return any((isinstance(sub, ast.Name) and sub.id == name) or (isinstance(sub, ast.Attribute) and sub.attr == name)
               for sub in ast.walk(node))


def builds_with_sequential(notebook: Path, builder: str) -> bool | None:
    """Whether the notebook's ``builder`` (its last top-level definition, as the loader keeps
    it, or the course-style cell that stands for it) builds an ``nn.Sequential``: directly,
    through a top-level function it calls, or as a top-level class derived from it. None when
    neither exists (the check's own run then says what is missing)."""
    try:
        trees = _trees(notebook)
    except (OSError, ValueError):
        return None
    functions = {node.name: node for tree in trees for node in tree.body if isinstance(node, ast.FunctionDef)}
    classes = {node.name: node for tree in trees for node in tree.body if isinstance(node, ast.ClassDef)}
    if builder not in functions:
        cell = find_course_cells(trees).get(builder)
        return None if cell is None else _mentions(cell, "Sequential")
    definition = functions[builder]
    called = {sub.func.id for sub in ast.walk(definition) if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name)}
    return (_mentions(definition, "Sequential")
            or any(_mentions(functions[name], "Sequential") for name in called if name in functions and name != builder)
            # class Net(nn.Sequential): ... is an nn.Sequential too
            or any(_mentions(base, "Sequential") for name in called if name in classes for base in classes[name].bases))
