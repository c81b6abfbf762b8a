"""Text that came from a submission (exception messages, what its code printed, answers),
made inert before it is stored and again before it is shown.

A student's exception message reaches a terminal (``gradelab grade``), a Markdown file, web
pages and an instructor's browser. In a terminal, escape sequences move the cursor, rewrite
lines, set the window title or write the clipboard (OSC 52); in Markdown, a run of
backticks closes the code fence the message is shown in. So:

- :func:`clean` removes every control character but newline and tab (C0, DEL, C1, which a
  terminal also reads as CSI/OSC), carriage returns and backspaces (which overwrite what
  is shown) and the Unicode bidirectional overrides (which reorder it), and caps the length;
- :func:`code_fence` gives a backtick fence longer than any run of backticks in the text.
"""

from __future__ import annotations

import re

#: C0 controls but \t and \n, DEL, C1 controls, and the bidi embeddings, overrides and isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BACKTICKS = re.compile("`+")


def clean(text: str, max_chars: int | None = None, *, keep: str = "head") -> str:
    """``text`` without control characters (newlines and tabs stay; ``\\r\\n`` becomes
    ``\\n``), at most ``max_chars`` long: the beginning kept (``keep="head"``, messages) or
    the end (``keep="tail"``, printed output, whose last lines matter), with the cut said."""
    if not isinstance(text, str):
        text = str(text)
    if max_chars is not None and len(text) > 4 * max_chars:
        # Bound the work on a flood before cleaning: what is cut away is not looked at.
        text = text[: 4 * max_chars] if keep == "head" else text[-4 * max_chars:]
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    if max_chars is None or len(text) <= max_chars:
        return text
    if keep == "head":
        return text[:max_chars] + f"\n[... cut: more than {max_chars} characters]"
    return f"[... cut: the last {max_chars} characters follow]\n" + text[-max_chars:]


def code_fence(text: str) -> str:
    """A Markdown fence for ``text``: backticks, one more than its longest run (at least 3)."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)
