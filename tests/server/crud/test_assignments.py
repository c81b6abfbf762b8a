import io
import zipfile

import pytest

from server.crud.assignments import get_assignment, list_assignments, upsert_assignment
from server.errors import InvalidInput, NotFound
from server.models import User
from server.schemas.assignments import AssignmentUpsert
from tests.server.factories import TOY


def test_registering_reads_the_manifest_and_builds_the_release(database, settings):
    with database.session() as session:
        assignment, created = upsert_assignment(session, settings, "toy", AssignmentUpsert(master=str(TOY)))
        assert created and assignment.title == "Toy assignment" and assignment.notebooks == ["Toy.ipynb"]
        assert assignment.master == "tests/fixtures/toy"  # relative to the checkout: portable to workers
        names = zipfile.ZipFile(io.BytesIO(assignment.release_zip)).namelist()
        assert "toy/Toy.ipynb" in names and not any("grading" in n for n in names)
        again, created = upsert_assignment(session, settings, "toy", AssignmentUpsert(daily_cap=3))
        assert not created and again.daily_cap == 3 and again.release_sha256 == assignment.release_sha256


def test_a_master_without_a_rubric_cannot_be_registered(database, settings, tmp_path):
    (tmp_path / "assignment.toml").write_text((TOY / "assignment.toml").read_text())
    with database.session() as session, pytest.raises(InvalidInput, match="no grading/ rubric"):
        upsert_assignment(session, settings, "toy", AssignmentUpsert(master=str(tmp_path)))


def test_unreleased_assignments_are_hidden_from_students(database, settings):
    with database.session() as session:
        upsert_assignment(session, settings, "toy", AssignmentUpsert(master=str(TOY), released=False))
        student, instructor = User(name="s", role="student"), User(name="i", role="instructor")
        assert list_assignments(session, student) == [] and len(list_assignments(session, instructor)) == 1
        with pytest.raises(NotFound):
            get_assignment(session, "toy", student)
        assert get_assignment(session, "toy", instructor).id == "toy"
