from __future__ import annotations

from release.preprocessors.base import Preprocessor

#: The hidden rubric's folder in a master; it never ships, whatever assignment.toml says.
GRADING_DIR = "grading"


class DropHidden(Preprocessor):
    """Keeps ``grading/`` and hidden files (any part of the path starting with ``.``) out.

    These never ship even if ``[release].exclude`` forgets them: the rubric holds the
    reference answers, and dot-files are editor, VCS or Jupyter state.
    """

    def keep(self, path: str) -> bool:
        parts = path.split("/")
        return parts[0] != GRADING_DIR and not any(part.startswith(".") for part in parts)
