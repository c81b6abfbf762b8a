import pytest

from server.crud.users import create_token, create_user, revoke_tokens, user_for_token
from server.errors import Conflict, InvalidInput
from server.models import Token


def test_tokens_find_their_user_until_revoked(database):
    with database.session() as session:
        alice = create_user(session, "alice", "student")
        first, second = create_token(session, alice), create_token(session, alice, label="ci")
        assert user_for_token(session, first).name == user_for_token(session, second).name == "alice"
        assert session.query(Token).filter(Token.token_hash == first).count() == 0  # only the hash is kept
        assert revoke_tokens(session, alice, label="ci") == 1
        assert user_for_token(session, second) is None and user_for_token(session, first) is not None
        assert user_for_token(session, "glt_made-up") is None


def test_user_names_are_unique_and_roles_known(database):
    with database.session() as session:
        create_user(session, "alice", "student")
        with pytest.raises(Conflict, match="exists already"):
            create_user(session, "alice", "instructor")
        with pytest.raises(InvalidInput, match="use one of student, instructor, ci"):
            create_user(session, "bob", "admin")
        with pytest.raises(InvalidInput, match="1 to 100 characters"):
            create_user(session, "  ", "student")
