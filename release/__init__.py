"""The release tool: the student version of an assignment master, and its checks.

``build_release(src)`` runs the master through the steps of :mod:`release.pipeline` and
returns every released file; :mod:`release.tree` writes it, :mod:`release.drift` compares
it with a directory, :mod:`release.leaks` proves nothing of the solution got through.
"""

from release.errors import ReleaseError, SolutionLeak
from release.generate import Release, build_release, read_master
from release.leaks import check_no_leaks, find_leaks

__all__ = [
    "Release",
    "ReleaseError",
    "SolutionLeak",
    "build_release",
    "check_no_leaks",
    "find_leaks",
    "read_master",
]
