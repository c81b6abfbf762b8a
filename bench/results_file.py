"""bench/RESULTS.md: each benchmark owns one section, between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->``, and rewrites only that."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = "# Benchmark results\n"


def write_section(name: str, body: str) -> Path:
    """Replace (or append) the section ``name`` of bench/RESULTS.md with ``body``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    content = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    if begin in content and end in content:
        head, rest = content.split(begin, 1)
        content = head + block + rest.split(end, 1)[1]
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(content, encoding="utf-8")
    return RESULTS
