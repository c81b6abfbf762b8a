"""Load an implementation: a package directory plus the definitions in its notebooks.

Used on both sides: in the sandbox on the student's files, and on the trusted side on the
reference (so both are loaded the same way).

Notebooks are not run. Their code cells are parsed and only the top-level imports,
function and class definitions, and assignments of plain constants (``dtype =
torch.float32``, ``channel_1 = 32``) are executed, one statement at a time, in notebook
order; so no training cell runs, and an import that fails (``import torchvision``) is
recorded while the rest still loads.
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Node types allowed in the value of a top-level assignment that we execute.
_CONSTANT_NODES = (
    ast.Constant, ast.Name, ast.Load, ast.Attribute, ast.BinOp, ast.UnaryOp, ast.Tuple,
    ast.List, ast.operator, ast.unaryop, ast.Dict, ast.Set,
)


class LoadFailure(Exception):
    """A part of the implementation is missing or could not be loaded.

    ``kind`` is ``"missing"`` (not in the submission), ``"import_error"`` (the file is there
    but importing it failed) or ``"not_defined"`` (the file loads but lacks the name).
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class NotebookModule:
    """The definitions loaded from one notebook, plus what could not be loaded."""

    name: str
    namespace: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    def get(self, attr: str) -> Any:
        if attr not in self.namespace:
            detail = f" (problems while loading it: {'; '.join(self.problems)})" if self.problems else ""
            raise LoadFailure("not_defined", f"{self.name} defines no top-level `{attr}`{detail}")
        return self.namespace[attr]


def parse_cell(source: str) -> ast.Module:
    """A code cell's AST, with IPython magics and shell escapes (``%matplotlib``, ``!pip``)
    blanked out first so line numbers stay right. Raises SyntaxError."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)
    return ast.parse("\n".join(lines))


def _is_constant_assignment(node: ast.stmt) -> bool:
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return False
    if not all(isinstance(target, ast.Name) for target in targets):
        return False
    return all(isinstance(sub, _CONSTANT_NODES) for sub in ast.walk(value))


def keeps(node: ast.stmt) -> bool:
    """Whether a top-level notebook statement is executed when loading definitions."""
    return isinstance(
        node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    ) or _is_constant_assignment(node)


def numbered_code_cells(path: Path) -> list[tuple[int, str]]:
    """(position among all the notebook's cells, counted from 1, as a reader counts them;
    source) of each code cell (nbformat 4 JSON, read with the stdlib)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise ValueError("not a notebook: no list of cells")
    numbered = []
    for number, cell in enumerate(cells, start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            numbered.append((number, "".join(source) if isinstance(source, list) else str(source)))
    return numbered


def notebook_code_cells(path: Path) -> list[str]:
    """The sources of a notebook's code cells."""
    return [source for _, source in numbered_code_cells(path)]


class Implementation:
    """What scenarios drive: a package and notebooks under ``root``.

    ``root`` holds ``<package>/`` and the notebooks; it is put first on ``sys.path``.
    ``device`` is ``"cpu"`` or ``"cuda"``: where scenarios put tensors and models.
    """

    def __init__(self, root: Path, package: str, *, device: str = "cpu",
                 notebook_globals: dict[str, Any] | None = None):
        self.root = Path(root)
        self.package = package
        self.device = device
        self.notebook_globals = dict(notebook_globals or {})
        self._notebooks: dict[str, NotebookModule] = {}
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))

    # --- package ---------------------------------------------------------------------
    def module(self, name: str) -> types.ModuleType:
        """``module("layers")`` imports ``<package>.layers`` from this implementation."""
        dotted = f"{self.package}.{name}"
        relative = Path(self.package, *name.split(".")).with_suffix(".py")
        if not (self.root / relative).is_file():
            raise LoadFailure("missing", f"{relative} is not in the submission")
        try:
            return importlib.import_module(dotted)
        except SystemExit as exc:
            raise LoadFailure("import_error", f"importing {relative} called sys.exit({exc.code!r})") from None
        except NotImplementedError:
            raise
        except BaseException as exc:  # noqa: BLE001 - a student's import can raise anything
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise LoadFailure("import_error", f"importing {relative} failed: {type(exc).__name__}: {exc}") from None

    def function(self, module: str, name: str) -> Any:
        """``function("layers", "batchnorm_forward")``, with a clear error when it is absent."""
        loaded = self.module(module)
        if not hasattr(loaded, name):
            path = Path(self.package, *module.split(".")).with_suffix(".py")
            raise LoadFailure("not_defined", f"{path} defines no `{name}`")
        return getattr(loaded, name)

    # --- notebooks -------------------------------------------------------------------
    def notebook(self, name: str) -> NotebookModule:
        """The definitions of ``<root>/<name>.ipynb`` (loaded once)."""
        if name not in self._notebooks:
            self._notebooks[name] = self._load_notebook(name)
        return self._notebooks[name]

    def notebook_cells(self, name: str) -> list[str]:
        """The code cells of ``<root>/<name>.ipynb``, for scenarios that read its source."""
        return notebook_code_cells(self.root / f"{name}.ipynb")

    parse_cell = staticmethod(parse_cell)

    def _load_notebook(self, name: str) -> NotebookModule:
        path = self.root / f"{name}.ipynb"
        if not path.is_file():
            raise LoadFailure("missing", f"{path.name} is not in the submission")
        try:
            sources = numbered_code_cells(path)
        except (OSError, ValueError) as exc:
            raise LoadFailure("import_error", f"{path.name} could not be read: {exc}") from None
        module = types.ModuleType(f"notebook_{name}")
        namespace = module.__dict__
        namespace.update(self.notebook_globals)
        loaded = NotebookModule(name=path.name, namespace=namespace)
        for number, source in sources:
            try:
                tree = parse_cell(source)
            except SyntaxError as exc:
                loaded.problems.append(f"cell {number} has a syntax error (line {exc.lineno}): {exc.msg}")
                continue
            for node in tree.body:
                if not keeps(node):
                    continue
                code = compile(ast.Module(body=[node], type_ignores=[]), f"{path.name}, cell {number}", "exec")
                try:
                    exec(code, namespace)  # noqa: S102 - the student side runs student code by design
                except BaseException as exc:  # noqa: BLE001
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    loaded.problems.append(
                        f"cell {number}, line {node.lineno}: {type(exc).__name__}: {exc}"
                    )
        # Injected globals win over the notebook's own constants (device, dtype, print_every).
        namespace.update(self.notebook_globals)
        return loaded
