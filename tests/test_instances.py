"""Several instances on one PostgreSQL database share keys: same JWKS, tokens valid everywhere."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import IN_CI
from tests.server import create_pg_database, drop_pg_database, pg_available, start_server


def test_two_instances_share_keys_and_tokens() -> None:
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
    finally:
        a.stop()
        b.stop()
        drop_pg_database(name)
