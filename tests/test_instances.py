"""Several instances on one PostgreSQL database: same JWKS, tokens valid everywhere, a rotation
on one is used by the other, a write on one is read on the other."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.conftest import IN_CI, unique
from tests.server import create_pg_database, drop_pg_database, pg_available, start_server


def _kid(token: str) -> str:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]


def test_two_instances_share_keys_tokens_rotation_and_writes() -> None:
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL is not running")
    name = create_pg_database()
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    a = start_server("postgres", url, {"AUTHKEEP_ENDPOINT": "https://auth.example.com"})
    shared = {k: a.env[k] for k in ("AUTHKEEP_SECRET_KEY", "AUTHKEEP_ENDPOINT",
                                     "AUTHKEEP_BOOTSTRAP_CLIENT_ID", "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET")}
    b = start_server("postgres", url, shared)
    b.client_id, b.client_secret = a.client_id, a.client_secret
    try:
        assert httpx.get(f"{a.base_url}/oidc/jwks").json() == httpx.get(f"{b.base_url}/oidc/jwks").json()
        for issuer, user in ((a, b), (b, a)):
            token = issuer.token()
            res = httpx.get(f"{user.base_url}/api/applications", headers={"Authorization": f"Bearer {token}"})
            assert res.status_code == 200, res.text

        # A write on A is read on B at once.
        on_a = {"Authorization": f"Bearer {a.token()}"}
        name_ = unique("shared")
        created = httpx.post(f"{a.base_url}/api/roles", json={"name": name_, "description": "x"}, headers=on_a)
        assert created.status_code == 200
        on_b = {"Authorization": f"Bearer {b.token()}"}
        assert httpx.get(f"{b.base_url}/api/roles/{created.json()['id']}", headers=on_b).json()["name"] == name_

        # A rotation on A: B verifies A's new tokens, publishes and signs with the new key at once.
        old_kid = _kid(a.token())
        rotated = httpx.post(f"{a.base_url}/api/configs/oidc/private-keys/rotate", json={}, headers=on_a)
        assert rotated.status_code == 200
        new_token = a.token()
        assert _kid(new_token) != old_kid
        res = httpx.get(f"{b.base_url}/api/applications", headers={"Authorization": f"Bearer {new_token}"})
        assert res.status_code == 200
        assert _kid(b.token()) == _kid(new_token)
        assert {k["kid"] for k in httpx.get(f"{b.base_url}/oidc/jwks").json()["keys"]} == {old_kid, _kid(new_token)}
    finally:
        a.stop()
        b.stop()
        drop_pg_database(name)
