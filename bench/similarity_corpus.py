"""Synthetic submissions of Assignment 2 for the similarity benchmarks: the release with
every solution region written, as a class of students would.

Each student's code starts from an implementation of each function (the reference, or
for the layers one of two written independently of it: tests/similarity/fixtures), then
is rewritten the ways students differ: operands swapped, ``x.sum(axis=0)`` for
``np.sum(x, axis=0)``, ``a += b`` spelt out, temporaries and asserts added, every local
name their own. Their notebooks carry outputs (images, as the real ones do) and answers
of their own. A share of them copy another student or an archive entry, renamed and
lightly edited. The archive holds repositories laid out as a course's folder would be.

    from similarity_corpus import write
    zips, archive = write(root, submissions=500, archive=200, seed=0)
"""

from __future__ import annotations

import ast
import base64
import json
import multiprocessing
import random
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from release.errors import Where  # noqa: E402
from release.markers import find_regions  # noqa: E402

MASTER, RELEASE = ROOT / "solutions" / "a2", ROOT / "assignments" / "a2"
FIXTURES = ROOT / "tests" / "similarity" / "fixtures"
CODE_FILES = ("cs231n/layers.py", "cs231n/classifiers/fc_net.py", "cs231n/classifiers/cnn.py",
              "cs231n/rnn_layers_pytorch.py", "cs231n/classifiers/rnn_pytorch.py")
NOTEBOOKS = ("BatchNormalization.ipynb", "Dropout.ipynb", "ConvolutionalNetworks.ipynb", "PyTorch.ipynb",
             "RNN_Captioning_pytorch.ipynb")
WORDS = ("the gradient weight layer batch mean variance scale training validation accuracy loss network "
         "normalization dropout units features activations initialization learning rate because when while "
         "smaller larger faster slower noise regularization model overfit data samples each every more less "
         "shift statistics running average test time mode inverted mask keeps expected output channel group "
         "convolution filter spatial pooling stride padding hidden state word caption sequence vocabulary").split()


#: What students add after an assignment, each in their own way (checks, prints, copies).
HABITS = ("assert {name} is not None", "print({name}.shape)", "{name} = {name}.copy()", "{name} = np.asarray({name})",
          "_ = {name}", "assert np.isfinite({name}).all()", "{name} = {name} + 0", "logging.debug('%s', {name})",
          "assert {name}.ndim >= 0", "debug_values.append({name})", "{name}_shape = getattr({name}, 'shape', None)",
          "if {name} is None:\n    raise ValueError('{name}')")


@dataclass
class Perturbation(ast.NodeTransformer):
    """Rewrites that keep meaning, each made with probability ``rate`` where it applies."""

    rng: random.Random
    rate: float
    names: dict[str, str] = field(default_factory=dict)

    def _maybe(self) -> bool:
        return self.rng.random() < self.rate

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Add | ast.Mult) and self._maybe():
            node.left, node.right = node.right, node.left
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr in ("sum", "mean", "max") and not node.args
                and not (isinstance(func.value, ast.Name) and func.value.id in ("np", "torch")) and self._maybe()):
            return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), func.attr, ast.Load()), [func.value], node.keywords)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        mirror = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}
        if len(node.ops) == 1 and type(node.ops[0]) in mirror and self._maybe():
            return ast.Compare(node.comparators[0], [mirror[type(node.ops[0])]()], [node.left])
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr == "T" and isinstance(node.ctx, ast.Load) and self._maybe():
            return ast.Call(ast.Attribute(node.value, "transpose", ast.Load()), [], [])
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        value = node.value
        if (isinstance(value, ast.Attribute) and value.attr == "shape" and isinstance(node.slice, ast.Constant)
                and node.slice.value == 0 and isinstance(node.ctx, ast.Load) and self._maybe()):
            return ast.Call(ast.Name("len", ast.Load()), [value.value], [])
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.target, ast.Name) and self._maybe():
            return ast.Assign([ast.Name(node.target.id, ast.Store())],
                              ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value), lineno=0)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        """f"W{layer}" -> "W" + str(layer)"""
        if self._maybe() and all(isinstance(v, ast.Constant | ast.FormattedValue) for v in node.values):
            parts = [v if isinstance(v, ast.Constant) else ast.Call(ast.Name("str", ast.Load()), [v.value], [])
                     for v in node.values]
            out = parts[0]
            for part in parts[1:]:
                out = ast.BinOp(out, ast.Add(), part)
            return out
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.AST | list[ast.AST]:
        self.generic_visit(node)
        target = node.targets[0]
        if len(node.targets) == 1 and isinstance(target, ast.Tuple) and isinstance(node.value, ast.Call) and self._maybe():
            held = f"out_{self.rng.randrange(1000)}"
            return [ast.Assign([ast.Name(held, ast.Store())], node.value, lineno=0),
                    ast.Assign([target], ast.Name(held, ast.Load()), lineno=0)]
        if len(node.targets) == 1 and isinstance(target, ast.Name) and isinstance(node.value, ast.BinOp) and self._maybe():
            temporary = f"t_{target.id}"
            return [ast.Assign([ast.Name(temporary, ast.Store())], node.value.left, lineno=0),
                    ast.Assign([target], ast.BinOp(ast.Name(temporary, ast.Load()), node.value.op, node.value.right),
                               lineno=0)]
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for field_name in ("body", "orelse"):
            statements = getattr(node, field_name, None)
            if isinstance(statements, list) and statements and isinstance(statements[0], ast.stmt):
                setattr(node, field_name, self._with_habits(statements))
        return node

    def _with_habits(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        """After some statements, a line of the student's own (a check, a print, a copy)."""
        out = []
        for statement in statements:
            out.append(statement)
            names = [n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and n.id not in ("np", "torch", "F", "nn")]
            if names and not isinstance(statement, ast.Return | ast.Raise) and self._maybe():
                out.extend(ast.parse(self.rng.choice(HABITS).format(name=self.rng.choice(names))).body)
        return out

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.names:
            node.id = self.names[node.id]
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node  # parameters are the template's


def rewrite(body: str, rng: random.Random, rate: float, rename: bool) -> str:
    """A function body (or a region) rewritten; the result is indented like ``body``."""
    indent = body[:len(body) - len(body.lstrip())]
    code = textwrap.dedent(body)
    tree = ast.parse("def _region():\n" + textwrap.indent(code, "    "))
    stores = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)})
    names = {name: f"{name}_{rng.randrange(100)}" for name in stores} if rename else {}
    tree = ast.fix_missing_locations(Perturbation(rng, rate, names).visit(tree))
    inner = tree.body[0].body
    return textwrap.indent("\n".join(ast.unparse(statement) for statement in inner), indent) + "\n"


def function_bodies(path: Path) -> dict[str, str]:
    """name -> the body of each top-level function of a fixture file, docstring left out."""
    text = path.read_text()
    lines = text.splitlines()
    out = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            first = node.body[1] if ast.get_docstring(node) is not None and len(node.body) > 1 else node.body[0]
            out[node.name] = "\n".join(lines[first.lineno - 1:node.end_lineno]) + "\n"
    return out


@dataclass
class Student:
    """What one synthetic student wrote: the text of each region, and their answers."""

    regions: dict[str, list[str]]          # file -> the region bodies, in order
    answers: dict[str, str]                # answer id -> text
    helpers: str = ""                      # module-level helpers a vectorised base needs


class Corpus:
    def __init__(self, seed: int = 0, rate: float = 0.5, image_kib: int = 24):
        self.seed, self.rng = seed, random.Random(seed)
        self.rate, self.image_kib = rate, image_kib
        self.master = {path: (MASTER / path).read_text() for path in CODE_FILES}
        self.regions = {path: [("\n".join(r.body) + "\n") for r in find_regions(text, Where(path))]
                        for path, text in self.master.items()}
        self.region_names = {path: self._region_functions(path) for path in CODE_FILES}
        self.bases = [function_bodies(FIXTURES / "loops_layers.py"), function_bodies(FIXTURES / "vectorised_layers.py")]
        self.notebooks = {name: json.loads((MASTER / name).read_text()) for name in NOTEBOOKS}
        self.release_notebooks = {name: json.loads((RELEASE / name).read_text()) for name in NOTEBOOKS}
        self.answer_ids = [cell["metadata"]["gradelab"]["answer"] for nb in self.release_notebooks.values()
                           for cell in nb["cells"] if cell.get("metadata", {}).get("gradelab", {}).get("answer")]

    def _region_functions(self, path: str) -> list[str | None]:
        """The function each region of ``path`` is the whole body of (None: part of one)."""
        text = self.master[path]
        tree = ast.parse(text)
        found = []
        for region in find_regions(text, Where(path)):
            owner = None
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.lineno - 1 < region.begin < node.end_lineno:
                    body_start = node.body[1].lineno if ast.get_docstring(node) else node.body[0].lineno
                    owner = node.name if body_start - 1 == region.begin + 1 and node.end_lineno == region.end else None
            found.append(owner)
        return found

    # --- students -------------------------------------------------------------------------
    def student(self) -> Student:
        rng = self.rng
        regions = {}
        helpers = ""
        for path in CODE_FILES:
            bodies = []
            for body, owner in zip(self.regions[path], self.region_names[path], strict=True):
                base = rng.randrange(3) if path == "cs231n/layers.py" and owner in self.bases[0] else 0
                if base:
                    body = textwrap.indent(self.bases[base - 1][owner], "")
                    if base == 2:
                        helpers = ("\n\nfrom numpy.lib.stride_tricks import sliding_window_view\n\n\n"
                                   + "\n".join(function_text(FIXTURES / "vectorised_layers.py", "_windows")))
                bodies.append(rewrite(body, rng, self.rate, rename=True))
            regions[path] = bodies
        answers = {answer: " ".join(rng.choice(WORDS) for _ in range(rng.randrange(30, 90))) for answer in self.answer_ids}
        return Student(regions, answers, helpers)

    def copy_of(self, other: Student) -> Student:
        """A disguised copy: renamed again, a few more rewrites, one answer reworded."""
        regions = {path: [rewrite(body, self.rng, 0.05, rename=True) for body in bodies]
                   for path, bodies in other.regions.items()}
        answers = dict(other.answers)
        first = self.answer_ids[0]
        answers[first] = answers[first].replace(" the ", " a ")
        return Student(regions, answers, other.helpers)

    # --- writing --------------------------------------------------------------------------
    def files(self, student: Student) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for path in CODE_FILES:
            text = self.master[path]
            lines = text.splitlines()
            for region, body in reversed(list(zip(find_regions(text, Where(path)), student.regions[path], strict=True))):
                lines[region.begin:region.end + 1] = body.rstrip("\n").splitlines()
            if path == "cs231n/layers.py":
                lines.append(student.helpers)
            out[path] = ("\n".join(lines) + "\n").encode()
        for name in NOTEBOOKS:
            notebook = json.loads(json.dumps(self.notebooks[name]))
            for cell in notebook["cells"]:
                source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                answer = cell.get("metadata", {}).get("gradelab", {}).get("answer")
                if answer:
                    cell["source"] = "*Your answer:* " + student.answers[answer]
                elif cell["cell_type"] == "code":
                    regions = find_regions(source, Where(name))
                    if regions:
                        lines = source.splitlines()
                        for region in reversed(regions):
                            body = rewrite("\n".join(region.body) + "\n", self.rng, self.rate, rename=True)
                            lines[region.begin:region.end + 1] = body.rstrip("\n").splitlines()
                        cell["source"] = "\n".join(lines)
                    if self.rng.random() < 0.3:
                        cell["outputs"] = [self._image_output()]
            out[name] = json.dumps(notebook, indent=1).encode()
        for path in ("cs231n/__init__.py", "cs231n/layer_utils.py", "cs231n/solver.py", "cs231n/optim.py"):
            out[path] = (RELEASE / path).read_bytes()
        return out

    def _image_output(self) -> dict:
        png = base64.b64encode(self.rng.randbytes(self.image_kib * 1024)).decode()
        return {"output_type": "display_data", "data": {"image/png": png, "text/plain": "<Figure>"}, "metadata": {}}

    def student_of(self, kind: str, index: int, plan: dict[tuple[str, int], tuple]) -> Student:
        """Entry ``index`` of ``kind``: its own work, or its copy of another entry's (made
        again from that entry's seed). Each entry draws from a generator seeded by its
        name, so it is the same whichever process makes it."""
        origin = plan[(kind, index)]
        self.rng = random.Random(f"{self.seed}/{kind}/{index}")
        if origin[0] == "own":
            return self.student()
        source = self.student_of(origin[1], origin[2], plan)
        self.rng = random.Random(f"{self.seed}/{kind}/{index}/copy")
        return self.copy_of(source)


def plan(seed: int, submissions: int, archive: int, copied: float = 0.05,
         from_archive: float = 0.05) -> dict[tuple[str, int], tuple]:
    """(kind, index) -> ("own",) or ("copy", kind, index of the entry copied)."""
    rng = random.Random(f"{seed}/plan")
    entries: dict[tuple[str, int], tuple] = {("archive", index): ("own",) for index in range(archive)}
    for index in range(submissions):
        roll = rng.random()
        if index and roll < copied:
            entries[("submission", index)] = ("copy", "submission", rng.randrange(index))
        elif archive and roll < copied + from_archive:
            entries[("submission", index)] = ("copy", "archive", rng.randrange(archive))
        else:
            entries[("submission", index)] = ("own",)
    return entries


def write(root: Path, submissions: int, archive: int, *, seed: int = 0, workers: int = 2) -> tuple[list[Path], Path]:
    """``submissions`` zips under root/submissions and ``archive`` repositories under
    root/archive (folders holding ``assignment2/``, one in five zipped); returns the zips
    and the archive folder."""
    (root / "submissions").mkdir(parents=True)
    (root / "archive").mkdir()
    entries = plan(seed, submissions, archive)
    with multiprocessing.get_context("fork").Pool(workers, initializer=_start, initargs=(seed, entries)) as pool:
        written = pool.map(_write_entry, [(root, kind, index) for kind, index in entries], chunksize=4)
    return sorted(path for kind, path in written if kind == "submission"), root / "archive"


_corpus: Corpus | None = None
_plan: dict = {}


def _start(seed: int, entries: dict) -> None:
    global _corpus, _plan
    _corpus, _plan = Corpus(seed=seed), entries


def _write_entry(job: tuple[Path, str, int]) -> tuple[str, Path]:
    root, kind, index = job
    files = _corpus.files(_corpus.student_of(kind, index, _plan))
    if kind == "submission":
        path = root / "submissions" / f"student-{index:03d}.zip"
        _zip(files, path)
    elif index % 5 == 0:
        path = root / "archive" / f"repo-{index:03d}.zip"
        _zip(files, path, prefix=f"repo-{index:03d}/assignment2/")
    else:
        path = root / "archive" / f"repo-{index:03d}"
        for relative, data in files.items():
            target = path / "assignment2" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return kind, path


def function_text(path: Path, name: str) -> list[str]:
    text = path.read_text()
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return text.splitlines()[node.lineno - 1:node.end_lineno]


def _zip(files: dict[str, bytes], path: Path, prefix: str = "") -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(prefix + name, (2026, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
