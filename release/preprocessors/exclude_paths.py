from __future__ import annotations

import re
from collections.abc import Iterable

from release.preprocessors.base import Preprocessor


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a path glob: ``*`` and ``?`` stay within one folder, ``**`` spans any number.

    ``grading/**`` matches everything under grading/; ``**/__pycache__/**`` matches a
    __pycache__ folder at any depth, the top included.
    """
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


class ExcludePaths(Preprocessor):
    """Keeps out the files that ``[release].exclude`` names (globs relative to the master)."""

    def __init__(self, patterns: Iterable[str]):
        self.patterns = [glob_to_regex(p) for p in patterns]

    def keep(self, path: str) -> bool:
        return not any(p.match(path) for p in self.patterns)
