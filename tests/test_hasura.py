"""`GET /api/authn/hasura`: Hasura's webhook authentication, as Logto's `routes/authn.ts` answers it."""

from __future__ import annotations

import secrets
import time

import httpx

from tests.oidc_helpers import make_user
from tests.server import Server
from tests.tokens import mint

URL = "/api/authn/hasura"


def _user_with_role(api: httpx.Client) -> tuple[str, str]:
    user_id = make_user(api)
    name = f"editor-{secrets.token_hex(3)}"
    role = api.post("/api/roles", json={"name": name, "description": "d"})
    assert role.status_code == 200, role.text
    assert api.post(f"/api/users/{user_id}/roles", json={"roleIds": [role.json()["id"]]}).status_code == 201
    return user_id, name


def _get(anon: httpx.Client, token: str | None = None, role: str | None = None, **params: str) -> httpx.Response:
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if role is not None:
        headers["Expected-Role"] = role
    return anon.get(URL, params=params, headers=headers)


def test_hasura_with_a_valid_token(server: Server, api: httpx.Client, anon: httpx.Client) -> None:
    user_id, role = _user_with_role(api)
    resource = "https://hasura.example/v1/graphql"
    token = mint(server, sub=user_id, aud=resource, scope="", client_id="some-app")
    ok = _get(anon, token, role, resource=resource)
    assert ok.status_code == 200 and ok.json() == {"X-Hasura-User-Id": user_id, "X-Hasura-Role": role}
    assert _get(anon, token, resource=resource).json() == {"X-Hasura-User-Id": user_id}
    missing = _get(anon, token, "admin", resource=resource)
    assert missing.status_code == 401 and missing.json()["code"] == "auth.expected_role_not_found"
    assert missing.json()["message"] == "Expected role not found. Please check your user roles and permissions."
    # With unauthorizedRole, a role the user lacks (or none asked) falls back to it.
    assert _get(anon, token, "admin", resource=resource, unauthorizedRole="guest").json() == {
        "X-Hasura-User-Id": user_id, "X-Hasura-Role": "guest",
    }  # fmt: skip
    assert _get(anon, token, role, resource=resource, unauthorizedRole="guest").json()["X-Hasura-Role"] == role
    assert _get(anon, token, resource=resource, unauthorizedRole="guest").json()["X-Hasura-Role"] == "guest"


def test_hasura_without_a_valid_token(server: Server, api: httpx.Client, anon: httpx.Client) -> None:
    user_id, role = _user_with_role(api)
    resource = "https://hasura.example/v1/graphql"
    assert _get(anon, resource=resource).json() == {}
    assert _get(anon, resource=resource, unauthorizedRole="anonymous").json() == {"X-Hasura-Role": "anonymous"}
    res = _get(anon, None, role, resource=resource)
    assert res.status_code == 401 and res.json()["code"] == "auth.expected_role_not_found"
    # A token for another resource is no user, unless unauthorizedRole asks who it was.
    other = mint(server, sub=user_id, aud="https://other.example", scope="")
    assert _get(anon, other, resource=resource).json() == {}
    assert _get(anon, other, resource=resource, unauthorizedRole="anon").json() == {
        "X-Hasura-User-Id": user_id, "X-Hasura-Role": "anon",
    }  # fmt: skip
    expired = mint(server, sub=user_id, aud=resource, exp=int(time.time()) - 10)
    wrong_issuer = mint(server, sub=user_id, aud=resource, iss="https://evil.example/oidc")
    head, body, _ = mint(server, sub=user_id, aud=resource).split(".")
    for bad in (expired, wrong_issuer, f"{head}.{body}.AAAA", "garbage", "a.b.c", "e30.e30.e30"):
        assert _get(anon, bad, resource=resource, unauthorizedRole="anon").json() == {"X-Hasura-Role": "anon"}, bad
        assert _get(anon, bad, role, resource=resource).status_code == 401
    no_sub = mint(server, sub=None, aud=resource)
    assert _get(anon, no_sub, resource=resource).json() == {}
    # Not a Bearer header.
    res = anon.get(URL, params={"resource": resource}, headers={"Authorization": "Basic abc"})
    assert res.status_code == 200 and res.json() == {}


def test_hasura_bad_query(anon: httpx.Client) -> None:
    for params in ({}, {"resource": ""}, {"unauthorizedRole": "x"}):
        res = anon.get(URL, params=params)
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input", (params, res.text)
    res = anon.get(URL, params={"resource": "a\x00b"})
    assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input"
    assert anon.post(URL, params={"resource": "x"}).status_code == 405
