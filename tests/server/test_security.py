from server.core.security import hash_token, new_token


def test_tokens_are_random_and_only_their_hash_is_kept():
    first, second = new_token(), new_token()
    assert first != second and len(first) > 40
    assert hash_token(first) == hash_token(first) != hash_token(second)
    assert first not in hash_token(first)
