"""Student and instructor journeys in a real browser, at a phone's width (390 px) and a
desktop's (1280 px): keyboard-only sign-in and upload, live progress, the numbers on the
page, Back then another file, grading question by question, and the API docs offline.

The service runs in process (uvicorn on a free port) with one real local grading worker
for the toy assignment; Assignment 2's pages show real results of the reference and the
untouched release, graded once per session (59 checks, the training checks' figures).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest

from gradelab.settings import Settings
from server.core.db import Database
from tests.server.conftest import LiveServer, make_settings
from tests.server.factories import (
    add_submission,
    add_user,
    finish_queued_jobs,
    register_toy,
    toy_files,
    toy_zip,
)
from tests.server.web.browser import (
    CHROMIUM,
    DESKTOP,
    FLAGS,
    PHONE,
    Shots,
    at_both_widths,
    check_fits,
    screenshot_dir,
    visible_text,
)

REPO = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make system-deps)"),
              pytest.mark.xdist_group("browser")]


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def shots(request) -> Shots:
    return Shots(screenshot_dir(request.node.name))


@pytest.fixture
def service(request, tmp_path, migrated_template):
    """The app with the toy assignment and users; yields (url, tokens, database, settings). Local
    grading workers: ``request.param`` (0 unless a test asks, through indirect parametrisation)."""
    from server.app import create_app

    var = tmp_path / "var"
    var.mkdir()
    shutil.copyfile(migrated_template, var / "gradelab.db")
    settings = make_settings(var, local_workers=getattr(request, "param", 0))
    database = Database(settings.resolved_database_url())
    register_toy(database, settings)
    tokens = {name: add_user(database, name, role) for name, role in
              (("alice", "student"), ("bob", "student"), ("prof", "instructor"))}
    with LiveServer(create_app(settings)) as live:
        yield live.url, tokens, database, settings
    database.dispose()


def sign_in_with_the_keyboard(page, url: str, token: str) -> None:
    page.goto(f"{url}/login")
    assert page.evaluate("document.activeElement.id") == "token"  # the field has the focus already
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


def tab_to(page, predicate: str, limit: int = 40) -> None:
    """Press Tab until ``predicate`` (JS over ``e``, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(e => {predicate})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def upload_with_the_keyboard(page, path: Path) -> None:
    """Tab to the file field, open its chooser with Space, pick ``path``, Tab to Submit, Enter."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tab_to(page, "e.type === 'file'")
    for key in ("Space", "Enter", "Space"):  # a key press can land before the field is ready on a busy machine
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press(key)
            break
        except PlaywrightTimeout:
            assert page.evaluate("document.activeElement.type") == "file"
    else:
        raise AssertionError("neither Space nor Enter opened the file chooser")
    chooser.value.set_files(str(path))
    tab_to(page, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def all_drawn(page) -> None:
    """Every image (the curves load lazily) is fetched and drawn."""
    for image in page.locator("img").all():
        image.scroll_into_view_if_needed()
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)", timeout=60_000)


def write_zip(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


WITH_A_WORKER = pytest.mark.parametrize("service", [1], indirect=True, ids=["one-worker"])


@WITH_A_WORKER
def test_a_student_signs_in_and_uploads_with_the_keyboard_and_watches_it_graded(chromium, service, shots, tmp_path):
    url, tokens, _, _ = service
    page = chromium.new_context(viewport={"width": PHONE, "height": 844}).new_page()
    page.goto(f"{url}/login")
    check_fits(page, shots, "sign-in")
    sign_in_with_the_keyboard(page, url, tokens["alice"])
    check_fits(page, shots, "home")

    upload_with_the_keyboard(page, write_zip(tmp_path, "toy_submission.zip", toy_zip("wrong_relu")))
    assert re.search(r"/submissions/\w+$", page.url)
    live = page.locator("[data-status-url]")
    if live.count():  # still grading: the region says how far it is, and the page stays put
        assert live.get_attribute("aria-live") == "polite"
        check_fits(page, shots, "grading")
    page.wait_for_selector("text=Score:", timeout=180_000)  # one reload when grading ends
    assert page.locator("[data-status-url]").count() == 0  # no more polling once done
    text = visible_text(page)
    assert "Score: 4 / 7" in text and "Checks: 4 / 5" in text
    assert "Free-text answers: not graded yet (2 points)" in text
    assert "Start here" in text and "relu" in text and "negative inputs map to 0" in text  # the hint
    curve = page.locator("img.curve")
    assert curve.count() == 1 and "from 1 to 1" in curve.get_attribute("alt")
    all_drawn(page)
    assert page.locator("details[open]").count() == 0  # passing checks are folded
    at_both_widths(page, shots, "graded")


@WITH_A_WORKER
def test_back_then_another_file_is_a_new_submission(chromium, service, shots, tmp_path):
    url, tokens, _, _ = service
    page = chromium.new_context(viewport={"width": DESKTOP, "height": 900}).new_page()
    sign_in_with_the_keyboard(page, url, tokens["bob"])
    page.set_input_files("#file-toy", str(write_zip(tmp_path, "first.zip", toy_zip("stub_ops"))))
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/submissions/\w+$"))
    first = page.url

    page.go_back()
    page.wait_for_selector("#file-toy")
    page.set_input_files("#file-toy", str(write_zip(tmp_path, "second.zip", toy_zip())))
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/submissions/\w+$"))
    assert page.url != first, "the second file was taken for the first"
    text = visible_text(page)
    assert "second.zip" in text and "Conflict" not in text and "Idempotency" not in text
    check_fits(page, shots, "second-submission")


@pytest.fixture(scope="session")
def a2_results(tmp_path_factory):
    """Real results of Assignment 2 (smoke profile): the reference and the untouched release."""
    from grader.grade import grade
    from release.generate import build_release

    root = tmp_path_factory.mktemp("a2-pages")
    release = root / "release"
    for path, data in build_release(REPO / "solutions" / "a2").files.items():
        (release / path).parent.mkdir(parents=True, exist_ok=True)
        (release / path).write_bytes(data)
    settings = Settings(var_dir=root / "var", data_dir=REPO / "var" / "data", secret_key="tests: a2 pages")  # a fixed key: its secret sets are made once
    results = {name: grade(path, assignment="a2", profile="smoke", sandbox="bwrap", settings=settings)
               for name, path in (("reference", REPO / "solutions" / "a2"), ("release", release))}
    assert [r.score for r in results.values()] == [93.0, 0.0], [r.reason for r in results.values()]
    return results


def test_assignment_2_pages_group_the_checks_and_show_the_training_figures(chromium, service, shots, a2_results):
    from server.crud.assignments import upsert_assignment
    from server.schemas.assignments import AssignmentUpsert

    url, tokens, database, settings = service
    with database.session() as session:
        upsert_assignment(session, settings, "a2", AssignmentUpsert())
    release_id, _ = add_submission(database, b"release", student="alice", filename="release.zip", assignment="a2")
    finish_queued_jobs(database, a2_results["release"])
    reference_id, _ = add_submission(database, b"reference", student="alice", filename="ref.zip", assignment="a2")
    finish_queued_jobs(database, a2_results["reference"])
    page = chromium.new_context(viewport={"width": DESKTOP, "height": 900}).new_page()
    sign_in_with_the_keyboard(page, url, tokens["alice"])

    page.goto(f"{url}/submissions/{release_id}")
    text = visible_text(page)
    for notebook, points in (("BatchNormalization", 24), ("Dropout", 8), ("ConvolutionalNetworks", 27),
                             ("PyTorch", 16), ("RNN_Captioning_pytorch", 18)):
        assert page.get_by_role("heading", name=f"{notebook} 0 / {points}").count() == 1
    start = text.split("Start here", 1)[1].strip()
    assert start.startswith("cs231n/layers.py, line 134, in batchnorm_forward still raises NotImplementedError"), start[:200]
    assert "Traceback" not in text and "failed" not in text  # hidden cases of a stub say "not implemented"
    page.get_by_text("7 checks wait on it").first.click()  # the checks a function costs, unfolded on demand
    assert "batchnorm_forward: training mode (hidden cases)" in visible_text(page)
    page.get_by_text("7 checks wait on it").first.click()
    assert "Free-text answers: 0 / 16" in text  # placeholders are not answers: nothing to grade
    assert text.count("Nothing written: the answer cell still holds the placeholder.") == 8
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, f"the failure page is {height} px tall"  # one line per function, not 59 tracebacks
    at_both_widths(page, shots, "a2-release")

    page.goto(f"{url}/submissions/{reference_id}")
    text = visible_text(page)
    assert "Score: 93 / 109" in text and "Checks: 93 / 93" in text
    assert re.search(r"validation accuracy \d+\.\d% \(needs at least 20\.0%\)", text)
    assert re.search(r"test accuracy \d+\.\d%", text)
    assert re.search(r"final training loss 0\.0\d+ \(needs at most 0\.1\)", text)
    assert page.locator("details[open]").count() == 0 and "Passed: 16 checks (24 points)" in text
    alts = [img.get_attribute("alt") for img in page.locator("img.curve").all()]
    assert len(alts) == 7 and any("The final training loss must be at most 0.1." in alt for alt in alts)
    all_drawn(page)
    at_both_widths(page, shots, "a2-reference")


def test_an_instructor_grades_question_by_question_and_grades_follow_the_student(chromium, service, shots):
    url, tokens, database, _ = service
    results = _toy_reference_results()
    for student in ("alice", "bob"):
        add_submission(database, toy_zip(), student=student)
    finish_queued_jobs(database, results["same"])

    page = chromium.new_context(viewport={"width": PHONE, "height": 844}).new_page()
    sign_in_with_the_keyboard(page, url, tokens["prof"])
    page.goto(f"{url}/?to_grade=1")
    assert "2 in all" in visible_text(page)
    check_fits(page, shots, "instructor-home")
    page.goto(f"{url}/assignments/toy/grading")
    check_fits(page, shots, "grading-questions")
    page.get_by_role("link", name="Question 1").click()
    for student, points in (("alice", "2"), ("bob", "1.5")):
        assert page.get_by_role("heading", name=re.compile(f"{student}")).count() == 1
        assert page.evaluate("document.activeElement.id") == "score"  # type at once
        check_fits(page, shots, f"grade-{student}")
        page.keyboard.type(points)
        page.keyboard.press("Tab")
        page.keyboard.type(f"Good, {student}.")
        page.keyboard.press("Shift+Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert f"Saved {student}'s answer." in visible_text(page)
    assert "Every answer to this question is graded." in visible_text(page)

    # alice resubmits with the same answer: her grade follows; bob changes his: it comes back.
    alice_again, _ = add_submission(database, toy_zip(), student="alice", filename="again.zip")
    finish_queued_jobs(database, results["same"])
    bob_again, _ = add_submission(database, _changed_answer_zip(), student="bob", filename="changed.zip")
    finish_queued_jobs(database, results["changed"])
    page.goto(f"{url}/submissions/{alice_again}")
    text = visible_text(page)
    assert "graded (same answer as before)" in text and "Score: 7 / 7" in text
    # Equal scores under "best": the earlier one counts, and the page says which.
    assert "This submission does not count: the one of" in text and "(the best final score counts)" in text
    page.goto(f"{url}/assignments/toy/grading/toy_q1")
    text = visible_text(page)
    assert "bob" in text and "changed: grade again" in text and "1 answer to grade of 3" in text
    assert "the newest: it may count once graded" in text
    assert page.locator(".answer math").count() >= 1  # $\lambda^{-4}$ as MathML, drawn by the browser
    at_both_widths(page, shots, "grade-changed-answer")
    gradebook = httpx.get(f"{url}/api/v1/assignments/toy/gradebook.csv?policy=latest",
                          headers={"Authorization": f"Bearer {tokens['prof']}"}).text
    alice_row = next(line for line in gradebook.splitlines() if line.startswith("alice,"))
    assert alice_row.startswith(f"alice,{alice_again},") and alice_row.endswith(",7,7,0,0,7")


def test_the_api_docs_load_with_nothing_from_elsewhere(chromium, service, shots):
    url, _, _, _ = service
    page = chromium.new_context(viewport={"width": DESKTOP, "height": 900}).new_page()
    elsewhere = []

    def only_gradelab(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_gradelab)
    page.goto(f"{url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "GradeLab" in page.inner_text(".swagger-ui .info .title") and elsewhere == []
    check_fits(page, shots, "api-docs")


def test_error_pages_keep_the_header_and_speak_to_people(chromium, service, shots):
    url, tokens, _, _ = service
    page = chromium.new_context(viewport={"width": PHONE, "height": 844}).new_page()
    sign_in_with_the_keyboard(page, url, tokens["alice"])
    page.goto(f"{url}/submissions/doesnotexist")
    text = visible_text(page)
    assert "alice (student)" in text and "Not found" in text and "GET /api" not in text
    at_both_widths(page, shots, "not-found")


# --- the toy's results with one answer and another ----------------------------------------

_CACHE: dict[str, object] = {}


def _changed_answer_zip() -> bytes:
    import io
    import zipfile

    files = toy_files()
    files["Toy.ipynb"] = files["Toy.ipynb"].replace(b"Rayleigh scattering.", b"Scattering goes as $\\\\lambda^{-4}$.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def _toy_reference_results() -> dict[str, object]:
    """Real toy results of the reference, with its answer and with a changed one."""
    if not _CACHE:
        import tempfile
        import zipfile

        from grader.grade import grade
        from tests.server.factories import TOY

        root = Path(tempfile.mkdtemp(prefix="toy-answers-"))
        settings = make_settings(root / "var")
        for name, data in (("same", toy_zip()), ("changed", _changed_answer_zip())):
            folder = root / name
            with zipfile.ZipFile(write_zip(root, f"{name}.zip", data)) as archive:
                archive.extractall(folder)
            _CACHE[name] = grade(folder, assignment=TOY, settings=settings)
        shutil.rmtree(root, ignore_errors=True)
    return _CACHE
