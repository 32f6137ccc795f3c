"""Signing-key rotation through /api/configs/oidc: Logto's statuses, JWKS and old tokens."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest

from tests.server import Server


def _kid(token: str) -> str:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]


def _jwks(server: Server) -> list[str]:
    return [k["kid"] for k in httpx.get(f"{server.base_url}/oidc/jwks").json()["keys"]]


def _client(server: Server, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_rotation_lifecycle(own_server: Server) -> None:
    server = own_server
    old_token = server.token()
    with _client(server, old_token) as api:
        keys = api.get("/api/configs/oidc/private-keys").json()
        assert len(keys) == 1 and keys[0]["status"] == "Current" and keys[0]["signingKeyAlgorithm"] == "EC"
        assert abs(keys[0]["createdAt"] - time.time()) < 3600  # seconds, not milliseconds
        assert len(api.get("/api/configs/oidc/cookie-keys").json()) == 1
        assert api.get("/api/configs/oidc/nope").status_code == 400

        rotated = api.post("/api/configs/oidc/private-keys/rotate", json={})
        assert rotated.status_code == 200
        current, previous = rotated.json()
        assert (current["status"], previous["status"]) == ("Current", "Previous")
        assert previous["id"] == keys[0]["id"]

        # The previous key still verifies, and stays published.
        assert api.get("/api/configs/oidc/private-keys").status_code == 200
        new_token = server.token()
        assert _kid(new_token) != _kid(old_token)
        assert set(_jwks(server)) == {_kid(new_token), _kid(old_token)}

        res = api.delete(f"/api/configs/oidc/private-keys/{current['id']}")
        assert res.status_code == 422 and res.json()["code"] == "oidc.only_previous_key_can_be_deleted"
        res = api.delete("/api/configs/oidc/private-keys/missing")
        assert res.status_code == 404 and res.json()["code"] == "oidc.key_not_found"

    with _client(server, new_token) as api:
        assert api.delete(f"/api/configs/oidc/private-keys/{previous['id']}").status_code == 204
        assert _jwks(server) == [_kid(new_token)]
        res = api.delete(f"/api/configs/oidc/private-keys/{current['id']}")
        assert res.status_code == 422 and res.json()["code"] == "oidc.key_required"
    # A token whose key was deleted is refused even though it was cached as verified.
    with _client(server, old_token) as stale:
        res = stale.get("/api/configs/oidc/private-keys")
        assert res.status_code == 401 and res.json()["data"]["code"] == "ERR_JWKS_NO_MATCHING_KEY"


def test_staged_rotation_and_rsa(own_server: Server) -> None:
    server = own_server
    with _client(server, server.token()) as api:
        staged = api.post(
            "/api/configs/oidc/private-keys/rotate", json={"signingKeyAlgorithm": "RSA", "rotationGracePeriod": 2}
        ).json()
        nxt = next(k for k in staged if k["status"] == "Next")
        assert nxt["signingKeyAlgorithm"] == "RSA" and nxt["effectiveAt"] > time.time() * 1000
        res = api.post("/api/configs/oidc/private-keys/rotate", json={})
        assert res.status_code == 422 and res.json()["code"] == "oidc.invalid_request"
        assert len(_jwks(server)) >= 2  # Next is published ahead of use
        before = server.token()
        assert httpx.get(f"{server.base_url}/oidc/jwks").json()["keys"][0]["alg"] == "ES384"
        time.sleep(2.5)
        keys = api.get("/api/configs/oidc/private-keys").json()
        assert next(k for k in keys if k["id"] == nxt["id"])["status"] == "Current"
    deadline = time.time() + 15
    while True:  # instances pick the promotion up within their refresh interval
        token = server.token()
        head = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        if head["alg"] == "RS256" or time.time() > deadline:
            break
        time.sleep(1)
    assert head["alg"] == "RS256"
    for tok in (token, before):
        with _client(server, tok) as api:
            assert api.get("/api/configs/oidc/private-keys").status_code == 200


@pytest.mark.parametrize("body", [{"rotationGracePeriod": -1}, {"signingKeyAlgorithm": "DSA"}, {"rotationGracePeriod": "1"}])
def test_rotate_rejects_bad_input(own_server: Server, body: dict[str, object]) -> None:
    with _client(own_server, own_server.token()) as api:
        res = api.post("/api/configs/oidc/private-keys/rotate", json=body)
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input"


def test_session_config(own_server: Server) -> None:
    with _client(own_server, own_server.token()) as api:
        assert api.get("/api/configs/oidc/session").json() == {"ttl": 1209600}
        assert api.patch("/api/configs/oidc/session", json={"ttl": 3600}).json() == {"ttl": 3600}
        assert api.get("/api/configs/oidc/session").json() == {"ttl": 3600}
        assert api.patch("/api/configs/oidc/session", json={"ttl": -5}).status_code == 400
