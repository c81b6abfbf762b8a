"""The ``Content-Disposition`` of every download (RFC 6266 with RFC 5987's ``filename*``).

A stored name is whatever a client sent: any script, quotes, backslashes, even control
characters from before uploads refused them. Put raw into a header it answers 500 (not
latin-1) or adds parameters and headers of its own (a quote, CR LF). So every download
names its file twice: ``filename="..."``, an ASCII fallback with everything unsafe replaced,
for old clients, and ``filename*=UTF-8''...``, the exact name percent-encoded, which
every current browser and curl's ``-J`` prefer.
"""

from __future__ import annotations

from urllib.parse import quote

#: The fallback when nothing of a name survives as ASCII.
DEFAULT_NAME = "download"


def attachment(filename: str) -> str:
    """The header value that downloads a file named ``filename`` (any str)."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\%' else "_" for c in filename).strip() or DEFAULT_NAME
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
