import json

import pytest

from grader.student_side.loader import Implementation, LoadFailure


def write_notebook(path, *sources):
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
             for s in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_notebook_definitions_load_without_running_cells(tmp_path):
    write_notebook(
        tmp_path / "Nb.ipynb",
        "import math\nimport not_a_module_anywhere\n%matplotlib inline\n!pip install x\nK = 2 * 3\n",
        "def f(x):\n    return x * K + math.floor(0.5)\n",
        "print('training'); raise SystemExit('must not run')\n",
        "class C:\n    value = K\n",
        "model = make_model()  # a call: not executed\n",
        "def broken(:\n",
    )
    notebook = Implementation(tmp_path, "pkg").notebook("Nb")
    assert notebook.get("f")(2) == 12
    assert notebook.get("C").value == 6
    assert "model" not in notebook.namespace
    problems = " ".join(notebook.problems)
    assert "not_a_module_anywhere" in problems and "syntax error" in problems
    with pytest.raises(LoadFailure, match="defines no top-level `g`") as info:
        notebook.get("g")
    assert info.value.kind == "not_defined"


def test_injected_globals_win(tmp_path):
    write_notebook(tmp_path / "Nb.ipynb", "device = 'cuda'\ndef where():\n    return device\n")
    impl = Implementation(tmp_path, "pkg", notebook_globals={"device": "cpu"})
    assert impl.notebook("Nb").get("where")() == "cpu"


def test_missing_pieces_are_told_apart(tmp_path):
    (tmp_path / "pkg2").mkdir()
    (tmp_path / "pkg2" / "__init__.py").write_text("")
    (tmp_path / "pkg2" / "good.py").write_text("def f():\n    return 1\n")
    (tmp_path / "pkg2" / "bad.py").write_text("import nowhere_to_be_found\n")
    (tmp_path / "pkg2" / "quits.py").write_text("import sys\nsys.exit(3)\n")
    impl = Implementation(tmp_path, "pkg2")
    assert impl.function("good", "f")() == 1
    cases = {("absent", "f"): "missing", ("bad", "f"): "import_error", ("good", "g"): "not_defined",
             ("quits", "f"): "import_error"}
    for (module, name), kind in cases.items():
        with pytest.raises(LoadFailure) as info:
            impl.function(module, name)
        assert info.value.kind == kind, (module, str(info.value))
    with pytest.raises(LoadFailure, match=r"sys.exit\(3\)"):
        impl.module("quits")


def test_a_notebook_cell_is_named_by_its_place_among_all_cells(tmp_path):
    """A traceback names the cell a reader counts to (markdown cells too), not the n-th code cell."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Part I"},
             {"cell_type": "markdown", "metadata": {}, "source": "Some words"},
             {"cell_type": "code", "metadata": {}, "source": "def f():\n    raise NotImplementedError\n",
              "outputs": [], "execution_count": None}]
    (tmp_path / "Nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5}))
    with pytest.raises(NotImplementedError) as info:
        Implementation(tmp_path, "pkg").notebook("Nb").get("f")()
    assert info.traceback[-1].frame.code.raw.co_filename == "Nb.ipynb, cell 3"
