"""Lines of a unit cut into plain and matching pieces, for the side-by-side views (the
HTML report and the instructor's page both render these; neither computes spans)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    text: str
    matched: bool


def marked_lines(lines: list[str], spans: list[list[int]]) -> list[list[Piece]]:
    """``lines`` as pieces; ``spans`` are [line0, col0, line1, col1] (0-based, end
    exclusive) of matching text, as a pair's UnitMatch holds them."""
    marks: list[list[tuple[int, int]]] = [[] for _ in lines]
    for line0, col0, line1, col1 in spans:
        for row in range(max(line0, 0), min(line1, len(lines) - 1) + 1):
            start = col0 if row == line0 else 0
            end = col1 if row == line1 else len(lines[row])
            if end > start:
                marks[row].append((start, end))
    out = []
    for text, ranges in zip(lines, marks, strict=True):
        pieces, at = [], 0
        for start, end in sorted(ranges):
            start = max(start, at)
            if start > at:
                pieces.append(Piece(text[at:start], False))
            if end > start:
                pieces.append(Piece(text[start:end], True))
                at = end
        if at < len(text) or not pieces:
            pieces.append(Piece(text[at:], False))
        out.append(pieces)
    return out
