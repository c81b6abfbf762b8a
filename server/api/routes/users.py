"""/api/v1/users: who you are; the list of users (instructors). Users and tokens are
made with `gradelab admin`."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import CurrentUser, InstructorUser, SessionDep
from server.crud.users import list_users
from server.schemas.users import UserPublic, UsersPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.get("", response_model=UsersPublic)
def users(user: InstructorUser, session: SessionDep) -> UsersPublic:
    rows = list_users(session)
    return UsersPublic(data=[UserPublic.model_validate(u) for u in rows], count=len(rows))
