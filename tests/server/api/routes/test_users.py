from tests.server.factories import auth


def test_a_token_says_who_you_are(client, users):
    me = client.get("/api/v1/users/me", headers=auth(users["robot"])).json()
    assert (me["name"], me["role"]) == ("robot", "ci")


def test_only_instructors_list_users(client, users):
    assert client.get("/api/v1/users", headers=auth(users["alice"])).status_code == 403
    listed = client.get("/api/v1/users", headers=auth(users["prof"])).json()
    assert listed["count"] == 4 and {u["name"] for u in listed["data"]} == set(users)
