"""Content-Disposition of every download: an ASCII fallback and the exact name (RFC 6266, 5987)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from server.api.content_disposition import attachment


def parameters(header: str) -> list[tuple[str, str]]:
    """The header's parameters as a client splits them: on ';' outside quoted strings."""
    kind, _, rest = header.partition(";")
    assert kind == "attachment"
    found, current, quoted, escaped = [], "", False, False
    for char in rest + ";":
        if escaped:
            current, escaped = current + char, False
        elif char == "\\" and quoted:
            current, escaped = current + char, True
        elif char == '"':
            current, quoted = current + char, not quoted
        elif char == ";" and not quoted:
            name, _, value = current.strip().partition("=")
            found.append((name, value))
            current = ""
        else:
            current += char
    assert not quoted, f"unterminated quoted string in {header!r}"
    return found


@pytest.mark.parametrize("name", [
    "a2_code_submission.zip",
    "Übung 2 – Łódź 提出.zip",                       # not latin-1
    'a"; filename="evil.sh',                        # a quote that would end the value
    "a\r\nSet-Cookie: session=stolen.zip",         # CR LF would start a new header
    "back\\slash;semi,comma%25.ipynb",
])
def test_the_header_carries_the_exact_name_and_a_plain_ascii_fallback(name):
    header = attachment(name)
    assert header.isascii() and header.isprintable(), header
    params = dict(parameters(header))
    assert [key for key, _ in parameters(header)] == ["filename", "filename*"]
    fallback = params["filename"]
    assert fallback.startswith('"') and fallback.endswith('"') and '"' not in fallback[1:-1]
    assert "\\" not in fallback
    assert params["filename*"].startswith("UTF-8''")
    assert unquote(params["filename*"][len("UTF-8''"):], encoding="utf-8", errors="strict") == name


def test_an_empty_name_still_gives_a_file_name():
    assert parameters(attachment(""))[0] == ("filename", '"download"')
