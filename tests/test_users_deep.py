"""Deep pages of `GET /api/users` located through the `user_buckets` counts: a dedicated server
with AUTHKEEP_USERS_DEEP_OFFSET=3 so every page past the first few takes that path."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import IN_CI
from tests.server import Server, create_pg_database, drop_pg_database, pg_available, start_server
from tests.test_users_db import execute


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def deep(request: pytest.FixtureRequest) -> Iterator[tuple[Server, httpx.Client]]:
    env = {"AUTHKEEP_USERS_DEEP_OFFSET": "3"}
    name = None
    if request.param == "postgres":
        if not pg_available():
            if IN_CI:
                pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI")
            pytest.skip("PostgreSQL is not running")
        name = create_pg_database()
        srv = start_server("postgres", f"postgresql://postgres@127.0.0.1:5432/{name}", env)
    else:
        srv = start_server("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='authkeep-deep-')}/a.db", env)
    try:
        with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as api:
            yield srv, api
    finally:
        srv.stop()
        if name:
            drop_pg_database(name)


def _seed(srv: Server) -> None:
    """Users spread over many 1 s / 17 min / 12 day buckets, some sharing a millisecond."""
    now = int(time.time() * 1000)
    stamps = [now - (1 << 31), now - (1 << 30) - 5, now - (1 << 21), now - (1 << 20), now - 5000, now - 1024, now - 1023]
    rows = []
    for i, ts in enumerate(stamps):
        for j in range(3):
            uid = f"deep{i:02d}{j}x" + "0" * 3
            rows.append(
                (
                    ("INSERT INTO users (tenant_id, id, username, profile, identities, custom_data, logto_config, "
                    "mfa_verifications, is_suspended, is_password_expired, created_at, updated_at) "
                    "VALUES (?, ?, ?, '{}', '{}', '{}', '{}', '[]', ?, ?, ?, ?)"),
                    ("default", uid[:12], f"deep_{i}_{j}", False if srv.backend != "sqlite" else 0,
                     False if srv.backend != "sqlite" else 0, ts, ts),
                )
            )
    execute(srv, rows)


def _all(api: httpx.Client) -> list[str]:
    res = api.get("/api/users", params={"page_size": "100"})
    assert res.status_code == 200
    return [u["id"] for u in res.json()]


def _walk(api: httpx.Client, size: int) -> tuple[list[str], int]:
    out: list[str] = []
    page = 1
    while True:
        res = api.get("/api/users", params={"page": str(page), "page_size": str(size)})
        assert res.status_code == 200, res.text
        total = int(res.headers["total-number"])
        batch = [u["id"] for u in res.json()]
        if not batch:
            return out, total
        out += batch
        page += 1


def test_deep_pages_equal_the_full_list(deep: tuple[Server, httpx.Client]) -> None:
    srv, api = deep
    _seed(srv)
    for _ in range(6):
        assert api.post("/api/users", json={}).status_code == 200
    full = _all(api)
    assert len(full) == 27
    for size in (1, 2, 4, 5, 7):
        walked, total = _walk(api, size)
        assert walked == full, size
        assert total == len(full)
    # Deletes move the counts too.
    for uid in full[::4]:
        assert api.delete(f"/api/users/{uid}").status_code == 204
    full = _all(api)
    assert len(full) == 20
    for size in (1, 3, 6):
        walked, total = _walk(api, size)
        assert walked == full and total == 20
    res = api.get("/api/users", params={"page": "50", "page_size": "3"})
    assert res.json() == [] and res.headers["total-number"] == "20"
