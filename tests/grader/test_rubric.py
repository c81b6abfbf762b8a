"""rubric.toml: counts_with (a notebook case counts only with its hidden cases) is checked
when the rubric loads, and decides the order the items run in."""

import textwrap

import pytest

from grader.plugin.rubric import RubricError, load_rubric
from tests.grader.a2_submissions import MASTER


def rubric_file(tmp_path, body):
    path = tmp_path / "rubric.toml"
    path.write_text(textwrap.dedent(body))
    return path


ITEMS = """
[items.notebook_case]
points = 1
notebook = "A"
counts_with = {counts_with}

[items.other]
points = 1
notebook = "A"

[items.hidden]
points = 2
notebook = "A"

[items.elsewhere]
points = 1
notebook = "B"

[items.question]
points = 2
notebook = "A"
manual = true
"""


def test_an_item_runs_after_the_items_it_counts_with(tmp_path):
    rubric = load_rubric(rubric_file(tmp_path, ITEMS.format(counts_with='["hidden"]')))
    assert rubric["notebook_case"].counts_with == ("hidden",)
    assert rubric.run_order() == ["other", "hidden", "notebook_case", "elsewhere"]


@pytest.mark.parametrize("counts_with, problem", [
    ('["nothing"]', "is not an item"),
    ('["elsewhere"]', "belongs to another notebook"),
    ('["question"]', "only automatic items"),
    ('"hidden"', "must be a list"),
])
def test_a_wrong_counts_with_is_refused_with_the_item_named(tmp_path, counts_with, problem):
    with pytest.raises(RubricError, match=f"notebook_case.*{problem}"):
        load_rubric(rubric_file(tmp_path, ITEMS.format(counts_with=counts_with)))


def test_every_notebook_case_of_a2_counts_with_hidden_cases_of_its_notebook():
    rubric = load_rubric(MASTER / "grading" / "rubric.toml")
    notebook_cases = [item for item in rubric.automatic if "(notebook case)" in item.name]
    assert len(notebook_cases) >= 17
    for item in notebook_cases:
        assert item.counts_with and all(rubric[other].visibility == "after_due_date" for other in item.counts_with)
