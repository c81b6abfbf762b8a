"""`gradelab release` end to end, in a subprocess as a user runs it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zipfile

from release import build_release


def test_release_writes_the_directory_and_the_zip(master, tmp_path, gradelab):
    dst, zip_path = tmp_path / "assignments/fx", tmp_path / "fx.zip"
    result = gradelab("release", master, "--out", dst, "--zip", zip_path)
    assert result.returncode == 0, result.stderr
    assert "Released fx to" in result.stdout and "6 solution regions replaced" in result.stdout

    files = build_release(master).files
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if p.is_file()) == sorted(
        files
    )
    assert all((dst / path).read_bytes() == data for path, data in files.items())
    assert os.stat(dst / "collect_submission.sh").st_mode & stat.S_IXUSR
    assert not os.stat(dst / "cs231n/layers.py").st_mode & stat.S_IXUSR

    with zipfile.ZipFile(zip_path) as archive:
        assert archive.namelist() == [f"fx/{path}" for path in sorted(files)]
        assert archive.read("fx/cs231n/layers.py") == files["cs231n/layers.py"]
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())


def test_out_defaults_to_the_assignments_folder_of_the_configured_root(master, tmp_path):
    env = {**os.environ, "GRADELAB_ROOT": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "gradelab", "release", str(master)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "assignments/fx/RELEASE.json").is_file()


def test_a_marker_error_is_reported_with_file_and_line(master, tmp_path, gradelab):
    layers = master / "cs231n/layers.py"
    layers.write_text(layers.read_text().replace("    cache = x\n", "    ### END SOLUTION\n", 1))
    result = gradelab("release", master, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "Error: cs231n/layers.py, line 21: '### END SOLUTION' without" in result.stderr
    assert not (tmp_path / "out").exists()


def test_check_and_zip_do_not_go_together(master, tmp_path, gradelab):
    result = gradelab(
        "release", master, "--out", tmp_path / "o", "--check", "--zip", tmp_path / "z"
    )
    assert result.returncode == 2
    assert "--check writes nothing" in result.stderr
