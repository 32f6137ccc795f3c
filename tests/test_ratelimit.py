"""Rate limits: per app on /api, per IP on /oidc/token, shared through Redis, safe when Redis is down."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import IN_CI, fresh_server
from tests.server import MGMT, create_pg_database, drop_pg_database, pg_available, start_server

LIMITS = {"AUTHKEEP_RATE_LIMIT": "5/30 seconds", "AUTHKEEP_TOKEN_RATE_LIMIT": "4/30 seconds"}


def _remaining(res: httpx.Response) -> int:
    return int(re.search(r";r=(\d+)", res.headers["ratelimit"]).group(1))  # type: ignore[union-attr]


def test_api_and_token_limits_in_memory() -> None:
    with fresh_server("sqlite", LIMITS) as server:
        token = server.token()  # 1 of 4 token requests
        headers = {"Authorization": f"Bearer {token}"}
        seen = []
        for _ in range(5):
            res = httpx.get(f"{server.base_url}/api/resources", headers=headers)
            assert res.status_code == 200
            assert res.headers["ratelimit-policy"] == '"api";q=5;w=30'
            seen.append(_remaining(res))
        assert seen == [4, 3, 2, 1, 0]
        limited = httpx.get(f"{server.base_url}/api/resources", headers=headers)
        assert limited.status_code == 429
        assert limited.json() == {"code": "request.too_many_requests", "message": "Too many requests. Please retry later."}
        assert 1 <= int(limited.headers["retry-after"]) <= 30 and "ratelimit" in limited.headers

        form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
        auth = (server.client_id, server.client_secret)
        for _ in range(3):
            assert httpx.post(f"{server.base_url}/oidc/token", data=form, auth=auth).status_code == 200
        res = httpx.post(f"{server.base_url}/oidc/token", data=form, auth=auth)
        assert res.status_code == 429 and res.json()["error"] == "rate_limited" and res.headers["retry-after"]


def _need_pg() -> None:
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL is not running")


def test_two_instances_share_one_budget_through_redis() -> None:
    _need_pg()
    name = create_pg_database()
    env = {**LIMITS, "AUTHKEEP_REDIS_URL": "redis://127.0.0.1:6379/0", "AUTHKEEP_ENDPOINT": "https://auth.example.com"}
    a = start_server("postgres", url := f"postgresql://postgres@127.0.0.1:5432/{name}", env)
    shared = {k: a.env[k] for k in ("AUTHKEEP_SECRET_KEY", "AUTHKEEP_BOOTSTRAP_CLIENT_ID", "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET")}
    b = start_server("postgres", url, {**env, **shared})
    try:
        headers = {"Authorization": f"Bearer {a.token()}"}
        codes = []
        for i in range(6):
            target = a if i % 2 == 0 else b
            codes.append(httpx.get(f"{target.base_url}/api/resources", headers=headers).status_code)
        assert codes == [200, 200, 200, 200, 200, 429]
    finally:
        a.stop()
        b.stop()
        drop_pg_database(name)


@pytest.mark.parametrize(("policy", "expected"), [("open", 200), ("closed", 503)])
def test_redis_down_follows_policy(policy: str, expected: int) -> None:
    env = {**LIMITS, "AUTHKEEP_REDIS_URL": "redis://127.0.0.1:1/0", "AUTHKEEP_RATE_LIMIT_FAILURE": policy,
           "AUTHKEEP_TOKEN_RATE_LIMIT": "off"}
    with fresh_server("sqlite", env) as server:
        headers = {"Authorization": f"Bearer {server.token()}"}
        for _ in range(7):
            res = httpx.get(f"{server.base_url}/api/resources", headers=headers)
            assert res.status_code == expected, res.text
        if expected == 503:
            assert res.json()["code"] == "request.rate_limiter_unavailable" and res.headers["retry-after"] == "1"
        assert server.log_path is not None
        assert "rate-limit store unavailable" in server.log_path.read_text()
