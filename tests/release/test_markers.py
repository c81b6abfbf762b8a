"""Region parsing: what a region is, what replaces it, and the errors for malformed ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from release.errors import MarkerError, Where
from release.markers import STUB_COMMENT, STUB_RAISE, find_regions, replace_regions

SOURCES = Path(__file__).parent / "fixtures" / "sources"


def source(name: str) -> str:
    return (SOURCES / name).read_text()


def test_regions_are_found_with_their_lines_and_indentation():
    regions = find_regions(source("regions.py"), Where("regions.py"))
    assert [(r.begin, r.end, r.indent) for r in regions] == [(2, 4, "    "), (6, 10, "        ")]
    assert regions[1].body == ("        y = y + i", "", "        y = y - 1")


def test_each_region_becomes_a_todo_comment_and_a_raise_at_its_indentation():
    text = source("regions.py")
    released = replace_regions(text, find_regions(text, Where("regions.py")))
    assert released == (
        "def forward(x):\n"
        '    """Two regions at two indentation levels, and code after each."""\n'
        f"    {STUB_COMMENT}\n"
        f"    {STUB_RAISE}\n"
        "    for i in range(3):\n"
        f"        {STUB_COMMENT}\n"
        f"        {STUB_RAISE}\n"
        "    return y\n"
    )
    ast.parse(released)


def test_the_stub_text():
    assert STUB_COMMENT == "# TODO: Write your code here, following the instructions above."
    assert STUB_RAISE == 'raise NotImplementedError("write your code here, then delete this line")'


def test_line_endings_are_kept_including_none_on_the_last_line():
    text = "def f():\r\n    ### BEGIN SOLUTION\r\n    return 1\r\n    ### END SOLUTION"
    released = replace_regions(text, find_regions(text, Where("cell")))
    assert released == f"def f():\r\n    {STUB_COMMENT}\r\n    {STUB_RAISE}"


def test_an_empty_region_still_gets_a_stub():
    text = "def f():\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n"
    regions = find_regions(text, Where("f.py"))
    assert regions[0].body == ()
    assert STUB_RAISE in replace_regions(text, regions)


def test_text_without_regions_is_returned_unchanged():
    text = "x = 1  # no markers here\n"
    assert find_regions(text, Where("x.py")) == []
    assert replace_regions(text, []) is text


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("nested.py", 4, "nested"),
        ("unclosed.py", 2, "never closed"),
        ("unmatched.py", 3, "without a '### BEGIN SOLUTION'"),
        ("outdented.py", 5, "indented less"),
        ("near_miss.py", 2, "looks like a solution marker"),
    ],
)
def test_malformed_regions_name_the_file_and_line(name: str, line: int, words: str):
    with pytest.raises(MarkerError) as caught:
        find_regions(source(name), Where(f"cs231n/{name}"))
    message = str(caught.value)
    assert message.startswith(f"cs231n/{name}, line {line}: ")
    assert words in message


def test_an_end_marker_at_another_indentation_is_an_error():
    text = "def f():\n    ### BEGIN SOLUTION\n    return 1\n### END SOLUTION\n"
    with pytest.raises(MarkerError, match=r"f\.py, line 4: .* indented differently"):
        find_regions(text, Where("f.py"))


def test_errors_in_a_notebook_cell_name_the_cell():
    with pytest.raises(MarkerError, match=r"^Demo\.ipynb cells\[7\], line 1: .*never closed"):
        find_regions("### BEGIN SOLUTION\nx = 1", Where("Demo.ipynb", 7))
