"""Free-text answers (inline questions) read out of a notebook, for a person to grade.

The notebook is read as JSON and never run. An answer lives in the markdown cell whose
metadata is ``{"gradelab": {"answer": "<id>"}}``. A notebook from the course's own
starter (no such metadata) falls back to position: the k-th markdown cell that starts
with "Answer" or "Your Answer" is the k-th question of that notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_ANSWER_HEADING = re.compile(r"^\s*(#+\s*)?(\*\*|\*)?\s*(your\s+)?answer\b", re.IGNORECASE)


def written_answer(text: str | None) -> str | None:
    """What the student wrote in an answer cell, without its "*Your answer:*" heading; None
    when nothing is left (the release's untouched placeholder is not an answer)."""
    if text is None:
        return None
    body = _ANSWER_HEADING.sub("", text.strip(), count=1).lstrip(" :*").strip()
    if body.endswith("*") and not body.strip("*"):
        body = ""
    return text.strip() if body else None


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def extract_answers(notebook: Path, ids_in_order: list[str]) -> dict[str, str | None]:
    """id -> the answer text (None when the notebook or the cell is missing)."""
    try:
        text = notebook.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return dict.fromkeys(ids_in_order)
    return answers_in_notebook(text, ids_in_order)


def answers_in_notebook(text: str, ids_in_order: list[str]) -> dict[str, str | None]:
    """:func:`extract_answers` for a notebook's JSON text already in memory."""
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return dict.fromkeys(ids_in_order)
    return answers_in_cells(cells, ids_in_order)


def _tagged_id(cell: dict) -> str | None:
    """The answer id in ``metadata.gradelab.answer``; None unless it is a string. The
    notebook is the student's: any of these levels may be a list, a number or null."""
    metadata = cell.get("metadata")
    meta = metadata.get("gradelab") if isinstance(metadata, dict) else None
    answer_id = meta.get("answer") if isinstance(meta, dict) else None
    return answer_id if isinstance(answer_id, str) else None


def answers_in_cells(cells: list, ids_in_order: list[str]) -> dict[str, str | None]:
    """:func:`extract_answers` for a notebook's ``cells`` (its JSON list) already parsed."""
    found: dict[str, str | None] = dict.fromkeys(ids_in_order)
    if not isinstance(cells, list):
        return found
    markdown = [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "markdown"]
    tagged = False
    for cell in markdown:
        answer_id = _tagged_id(cell)
        if answer_id in found:
            found[answer_id] = _text(cell).strip()
            tagged = True
    if not tagged:
        untagged = [_text(c).strip() for c in markdown if _ANSWER_HEADING.match(_text(c))]
        for answer_id, text in zip(ids_in_order, untagged, strict=False):
            found[answer_id] = text
    return found
