"""Conditional reads: an ETag on a view, and 304 Not Modified when the client has it already.

Pollers (``gradelab submit --wait``, the submission page's live region, CI) send back the
ETag of their last answer in ``If-None-Match``; while nothing changed they get 304 with no
body, and the service skips building the view (see :func:`server.api.views.view_version`).
"""

from __future__ import annotations

from fastapi import Request, Response, status

NOT_MODIFIED = {304: {"description": "Nothing changed since the ETag sent in If-None-Match."}}


def not_modified(request: Request, response: Response, version: str) -> Response | None:
    """A 304 when the client's copy (If-None-Match) is ``version``; else None, with the ETag
    set on ``response`` (the view that is built next is sent with it)."""
    response.headers["ETag"] = version
    response.headers["Cache-Control"] = "private, no-cache"
    if version in (tag.strip() for tag in request.headers.get("if-none-match", "").split(",")):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=dict(response.headers))
    return None
