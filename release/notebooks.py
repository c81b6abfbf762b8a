"""Reading and writing notebooks for the release, byte for byte reproducibly.

``nbformat.reads`` quietly gives random ids to cells that lack one, which would make two
releases of the same master differ; so notebooks are read with ``nbformat.reader.reads``,
which only parses (joining multi-line sources), and the :class:`~release.preprocessors.StableCellIds` step fills in ids that are derived,
not drawn. Writing goes through nbformat (sorted keys, one-space indent) and always ends
with one newline.
"""

from __future__ import annotations

import nbformat
import nbformat.reader
from nbformat import NotebookNode

from release.errors import InvalidNotebook


def read_notebook(data: bytes, path: str) -> NotebookNode:
    try:
        nb = nbformat.reader.reads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, nbformat.ValidationError) as exc:
        raise InvalidNotebook(f"{path} cannot be read as a notebook: {exc}") from None
    if nb.get("nbformat") != 4:
        raise InvalidNotebook(
            f"{path}: only nbformat 4 notebooks are supported; open and save it in a current Jupyter."
        )
    return nb


def write_notebook(nb: NotebookNode, path: str) -> bytes:
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise InvalidNotebook(f"{path} would be written as an invalid notebook: {exc}") from None
    return (nbformat.writes(nb).rstrip("\n") + "\n").encode("utf-8")
