"""Signing in to the web pages: the same bearer token as the API, kept in a cookie.

The cookie is HttpOnly (no script reads it) and SameSite=Lax (another site's page may
link here, but its forms and scripts do not send it). Forms that change something also
must come from this origin: a POST whose ``Origin`` (or ``Sec-Fetch-Site``) names
another site is refused, for browsers that do not honour SameSite.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from server.api.deps import SessionDep, require_instructor
from server.crud.users import user_for_token
from server.errors import Forbidden, NotAuthenticated
from server.models import User

COOKIE = "gradelab_token"
#: Eight hours: a working day, after which the browser asks for the token again.
COOKIE_MAX_AGE_S = 8 * 3600


async def mark_web_page(request: Request) -> None:
    """Errors of web pages answer as HTML (see :func:`server.web.pages.error_page`)."""
    request.state.web_page = True


def user_of_token(session: Session, token: str | None) -> User | None:
    user = user_for_token(session, token) if token else None
    session.commit()  # end the read transaction, as the API's guard does
    return user


def signed_in_user(request: Request, session: SessionDep) -> User:
    user = user_of_token(session, request.cookies.get(COOKIE))
    if user is None:
        raise NotAuthenticated("sign in with your token")
    return user


WebUser = Annotated[User, Depends(signed_in_user)]


def signed_in_instructor(user: WebUser) -> User:
    return require_instructor(user)


WebInstructor = Annotated[User, Depends(signed_in_instructor)]


def same_origin(request: Request) -> None:
    """Refuse a form posted from another site's page."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("this form was sent from another site; open GradeLab's own page and send it from there")
    origin = request.headers.get("origin")
    # Hosts only: behind a proxy that ends TLS the scheme seen here is http, the page's https.
    if origin and urlsplit(origin).netloc != request.headers.get("host", request.url.netloc):
        raise Forbidden(f"this form was sent from {origin}, not from this server; open GradeLab's own page "
                        "and send it from there")


def keep_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def forget_token(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
