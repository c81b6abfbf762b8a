"""What routes are given: settings, a database session, the job runtime, the caller.

Aliases chain into guards: ``CurrentUser`` needs a valid bearer token, ``InstructorUser``
also needs the instructor role. A route asks only for what it needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from server.core.config import Settings, get_settings
from server.core.db import Database
from server.crud.users import user_for_token
from server.errors import Forbidden, NotAuthenticated
from server.jobs.runtime import JobRuntime
from server.jobs.similarity_runner import SimilarityRunner
from server.models import User

SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_database(request: Request) -> Database:
    # async: no I/O here, and a sync dependency would cost a trip through the thread pool
    return request.app.state.database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(database: DatabaseDep) -> AsyncIterator[Session]:
    """One session per request; routes that write commit it themselves.

    async, because making a session does no I/O (its connection is taken on first use, in
    the route's thread): a sync dependency would cost two trips through the thread pool.
    """
    session = database.sessions()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_runtime(request: Request) -> JobRuntime:
    return request.app.state.runtime


RuntimeDep = Annotated[JobRuntime, Depends(get_runtime)]


async def get_similarity_runner(request: Request) -> SimilarityRunner:
    return request.app.state.similarity


SimilarityDep = Annotated[SimilarityRunner, Depends(get_similarity_runner)]

_bearer = HTTPBearer(auto_error=False, description="A token from `gradelab admin token create NAME`.")


def get_current_user(session: SessionDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("send your token as 'Authorization: Bearer <token>'; "
                               "an instructor makes one with `gradelab admin token create NAME`")
    user = user_for_token(session, credentials.credentials)
    # End the read transaction now: its connection goes back to the pool instead of being
    # held while the request waits for a thread or for its upload body (a burst of uploads
    # would otherwise take every pooled connection and wait for one forever).
    session.commit()
    if user is None:
        raise NotAuthenticated("this token is unknown or revoked; ask an instructor for a new one "
                               "(`gradelab admin token create NAME`)")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_instructor(user: CurrentUser) -> User:
    if user.role != "instructor":
        raise Forbidden(f"this needs an instructor token; yours is a {user.role} token")
    return user


InstructorUser = Annotated[User, Depends(require_instructor)]
