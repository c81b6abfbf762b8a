"""Users and their bearer tokens."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.core.security import hash_token, new_token
from server.errors import Conflict, InvalidInput, NotFound
from server.models import ROLES, Token, User, utcnow


def create_user(session: Session, name: str, role: str) -> User:
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a user name must have 1 to 100 characters")
    if get_user(session, name) is not None:
        raise Conflict(f"a user named {name!r} exists already")
    user = User(name=name, role=role)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def require_user(session: Session, name: str) -> User:
    user = get_user(session, name)
    if user is None:
        raise NotFound(f"no user named {name!r}; create one with `gradelab admin user add {name} --role student`")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def create_token(session: Session, user: User, label: str = "") -> str:
    """A new token for ``user``; the plain token is returned once and never stored."""
    token = new_token()
    session.add(Token(user_id=user.id, token_hash=hash_token(token), label=label))
    session.flush()
    return token


def revoke_tokens(session: Session, user: User, label: str | None = None) -> int:
    """Revoke ``user``'s live tokens (only those with ``label`` when given); returns how many."""
    statement = update(Token).where(Token.user_id == user.id, Token.revoked_at.is_(None))
    if label is not None:
        statement = statement.where(Token.label == label)
    return session.execute(statement.values(revoked_at=utcnow())).rowcount


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(
        select(Token).where(Token.token_hash == hash_token(token), Token.revoked_at.is_(None))
    )
    return row.user if row else None
