"""What the trusted side keeps of a submission's series and text (grader.plugin.series,
grader.results.untrusted_text), tested in process."""

import numpy as np
import pytest

from grader.errors import CheckFailed
from grader.plugin import expect
from grader.plugin.series import SeriesRefused, bounded_series
from grader.results.untrusted_text import clean, code_fence


def test_a_short_series_is_kept_whole():
    stored = bounded_series([3.0, 2.0, 1.0], 100)
    assert stored == {"x_label": "iteration", "values": [3.0, 2.0, 1.0], "length": 3}


def test_a_long_series_keeps_its_ends_its_spikes_and_where_they_were():
    values = np.full(1_000_000, 1.0)
    values[123_457] = 50.0          # a spike between two kept points of an even grid
    values[654_321] = -7.0
    values[-1] = 0.25
    stored = bounded_series(values, 200)
    assert stored["length"] == 1_000_000 and len(stored["values"]) <= 200
    points = dict(zip(stored["x"], stored["values"], strict=True))
    assert points[123_458] == 50.0 and points[654_322] == -7.0
    assert stored["x"][0] == 1 and stored["x"][-1] == 1_000_000 and stored["values"][-1] == 0.25


def test_a_diverged_series_keeps_its_nan():
    values = np.linspace(2.0, 0.5, 10_000)
    values[5000:] = np.nan
    stored = bounded_series(values, 100)
    assert any(v != v for v in stored["values"])


@pytest.mark.parametrize("bad", ["a string", {"a": 1}, np.zeros((3, 4)), np.array(["x", "y"]), [[1], [2, 3]]])
def test_what_is_not_a_sequence_of_numbers_is_refused(bad):
    with pytest.raises(SeriesRefused):
        bounded_series(bad, 100)


def test_an_int8_reply_of_20_million_points_is_downsampled_without_a_float_copy():
    values = np.zeros((20_000_000, 1), dtype=np.int8)
    stored = bounded_series(values, 100)
    assert stored["length"] == 20_000_000 and len(stored["values"]) <= 100


def test_array_checks_the_shape_before_anything_else():
    with pytest.raises(CheckFailed, match=r"expected shape \(50,\), got \(20000000, 1\)"):
        expect.array(np.zeros((20_000_000, 1), dtype=np.uint8), name="the predictions", shape=(50,))
    with pytest.raises(CheckFailed, match="is a list"):
        expect.array([1, 2], name="x", shape=(2,))
    with pytest.raises(CheckFailed, match="dtype <U1"):
        expect.array(np.array(["a", "b"]), name="x", shape=(2,))


def test_clean_removes_what_a_terminal_would_obey_and_keeps_lines_and_tabs():
    text = "a\x1b[2Jb\x1b]52;c;AAAA\x07c\x9b31md\r\ne\tf\u202eg\x00h\x08"
    assert clean(text) == "a[2Jb]52;c;AAAAc31md\ne\tfgh"


def test_clean_caps_messages_from_the_start_and_output_from_the_end():
    assert clean("x" * 50 + "END", 20).startswith("x" * 20) and "cut" in clean("x" * 50, 20)
    assert clean("START" + "y" * 50, 20, keep="tail").endswith("y" * 20)


def test_the_fence_is_longer_than_any_backtick_run():
    assert code_fence("no ticks") == "```"
    assert code_fence("a ```` b ` c") == "`````"


def test_a_downsampled_series_is_drawn_at_its_own_positions():
    from grader.results.plots import series_alt, series_png

    stored = bounded_series(np.linspace(3.0, 0.1, 4_000_000), 100, x_label="iteration")
    assert series_png("check", {"training loss": stored}).startswith(b"\x89PNG")
    assert "training loss over 4000000 iteration" in series_alt("check", {"training loss": stored})
