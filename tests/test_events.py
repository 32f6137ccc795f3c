"""Caches follow the change feed per table family and exactly, over HTTP: a write to users keeps
cached role and application answers and drops cached user answers (one server per backend, and
two instances on one PostgreSQL); grant and signing-key changes made on one instance are used by
the other at its very next request (issue 13, D5 and D6)."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import IN_CI, unique
from tests.server import (
    MGMT,
    Server,
    create_pg_database,
    drop_pg_database,
    launch_server,
    pg_available,
)

ACCESS_ROLE = "Logto Management API access"
_HIDDEN = {"roles": "description", "applications": "name", "users": "name"}


def _client(server: Server, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token or server.token()}"}, timeout=30
    )


def _hidden_write(server: Server, ids: dict[str, str], value: str) -> None:
    """Change rows behind authkeep's back without telling its caches, to show what they hold:
    on PostgreSQL in a session that claims to be authkeep's (no trigger, no NOTIFY); on SQLite
    rewinding the per-table counters (migration 0007) and moving an unrelated table's instead."""
    if server.backend == "sqlite":
        with sqlite3.connect(server.database_url.split("///", 1)[1]) as conn:
            for table, row_id in ids.items():
                conn.execute(f"UPDATE {table} SET {_HIDDEN[table]} = ? WHERE id = ?", (value, row_id))
                conn.execute("UPDATE authkeep_table_versions SET version = version - 1 WHERE name = ?", (table,))
            conn.execute("UPDATE authkeep_table_versions SET version = version + 1 WHERE name = 'message_sends'")
        return

    async def run() -> None:
        conn = await asyncpg.connect(server.database_url, server_settings={"authkeep.app": "on"})
        try:
            for table, row_id in ids.items():
                await conn.execute(f"UPDATE {table} SET {_HIDDEN[table]} = $1 WHERE id = $2", value, row_id)
        finally:
            await conn.close()

    asyncio.run(run())


def _check_families(writer: httpx.Client, reader: httpx.Client, server: Server) -> None:
    role = writer.post("/api/roles", json={"name": unique("fam"), "description": "a"}).json()
    app = writer.post("/api/applications", json={"name": "a", "type": "MachineToMachine"}).json()
    user = writer.post("/api/users", json={"name": "a"}).json()
    ids = {"roles": role["id"], "applications": app["id"], "users": user["id"]}

    def read() -> tuple[str, ...]:
        return tuple(reader.get(f"/api/{t}/{i}").json()[_HIDDEN[t]] for t, i in ids.items())

    assert read() == ("a", "a", "a")
    _hidden_write(server, ids, "b")
    assert read() == ("a", "a", "a")  # all three are served from the cache

    assert writer.post("/api/users", json={"name": unique("other")}).status_code == 200
    assert read() == ("a", "a", "b"), "a user create must drop user answers, and only those"
    _hidden_write(server, ids, "c")
    assert writer.patch(f"/api/users/{user['id']}", json={"avatar": None}).status_code == 200
    assert read() == ("a", "a", "c"), "a user update must drop user answers, and only those"
    indicator = f"https://{unique('fam')}.example.com"
    assert writer.post("/api/resources", json={"name": "x", "indicator": indicator}).status_code == 201
    assert read() == ("a", "a", "c")
    assert writer.patch(f"/api/applications/{app['id']}", json={"description": "x"}).status_code == 200
    assert read() == ("a", "c", "c")
    assert writer.post("/api/roles", json={"name": unique("fam"), "description": "x"}).status_code == 200
    assert read() == ("c", "c", "c")


def test_a_write_to_users_keeps_cached_roles_and_applications(server: Server) -> None:
    with _client(server) as api:
        _check_families(api, api, server)


def _external_write(server: Server, table: str, row_id: str, value: str) -> None:
    """An operator's write (psql, sqlite3): the change triggers of migration 0007 name the table."""
    if server.backend == "sqlite":
        with sqlite3.connect(server.database_url.split("///", 1)[1]) as conn:
            conn.execute(f"UPDATE {table} SET {_HIDDEN[table]} = ? WHERE id = ?", (value, row_id))
        return

    async def run() -> None:
        conn = await asyncpg.connect(server.database_url)
        try:
            await conn.execute(f"UPDATE {table} SET {_HIDDEN[table]} = $1 WHERE id = $2", value, row_id)
        finally:
            await conn.close()

    asyncio.run(run())


def test_external_writes_drop_only_their_tables_families(server: Server) -> None:
    with _client(server) as api:
        role = api.post("/api/roles", json={"name": unique("ext"), "description": "a"}).json()
        user = api.post("/api/users", json={"name": "a"}).json()
        ids = {"roles": role["id"], "users": user["id"]}

        def read() -> tuple[str, ...]:
            return tuple(api.get(f"/api/{t}/{i}").json()[_HIDDEN[t]] for t, i in ids.items())

        assert read() == ("a", "a")
        _hidden_write(server, {"roles": role["id"]}, "b")
        _external_write(server, "users", user["id"], "b")
        assert read() == ("a", "b"), "an external write to users must drop user answers, and only those"
        _external_write(server, "roles", role["id"], "c")
        assert read() == ("c", "b")


def _kid(token: str) -> str:
    head = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"])


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[Server, Server]]:
    """Two instances on one fresh PostgreSQL database."""
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL is not running")
    name = create_pg_database()
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    shared = {
        "AUTHKEEP_SECRET_KEY": unique("secret") * 3, "AUTHKEEP_ENDPOINT": "https://auth.example.com",
        "AUTHKEEP_BOOTSTRAP_CLIENT_ID": unique("boot"), "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": unique("s") * 3,
    }
    # Both launched at the same moment on the fresh database (issue 13 asks for it; see D4).
    servers: list[Server] = [launch_server("postgres", url, shared) for _ in range(2)]
    try:
        for server in servers:
            server.wait_ready()
            server.client_id = shared["AUTHKEEP_BOOTSTRAP_CLIENT_ID"]
            server.client_secret = shared["AUTHKEEP_BOOTSTRAP_CLIENT_SECRET"]
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
        drop_pg_database(name)


def test_families_across_instances(pair: tuple[Server, Server]) -> None:
    a, b = pair
    with _client(a) as on_a, _client(b) as on_b:
        _check_families(on_a, on_b, b)


def _token(http: httpx.Client, client_id: str, secret: str) -> dict[str, Any]:
    data = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
    res = http.post("/oidc/token", data=data, auth=(client_id, secret))
    assert res.status_code == 200, res.text
    return res.json()  # type: ignore[no-any-return]


def _jwks(http: httpx.Client) -> set[str]:
    return {k["kid"] for k in http.get("/oidc/jwks").json()["keys"]}


def test_grant_and_key_changes_on_one_instance_are_used_by_the_other_at_once(pair: tuple[Server, Server]) -> None:
    a, b = pair
    # One client per instance, kept open: a new client costs more than the requests it sends.
    with httpx.Client(base_url=a.base_url, timeout=30) as on_a, httpx.Client(base_url=b.base_url, timeout=30) as on_b:

        def admin(http: httpx.Client) -> dict[str, str]:
            return {"Authorization": f"Bearer {_token(http, a.client_id, a.client_secret)['access_token']}"}

        def scope_on_b() -> str | None:
            return _token(on_b, app["id"], secret).get("scope")

        auth = admin(on_a)
        found = on_a.get("/api/roles", params={"search": ACCESS_ROLE}, headers=auth).json()
        role = next(r for r in found if r["name"] == ACCESS_ROLE)
        app = on_a.post("/api/applications", json={"name": unique("m2m"), "type": "MachineToMachine"}, headers=auth).json()
        secret = on_a.get(f"/api/applications/{app['id']}/secrets", headers=auth).json()[0]["value"]
        grant = {"roleIds": [role["id"]]}
        assert on_a.post(f"/api/applications/{app['id']}/roles", json=grant, headers=auth).status_code == 201
        for i in range(50):
            # Grants (D5): B has the grant cached, A changes it, B's very next token follows.
            assert scope_on_b() == "all"
            assert on_a.delete(f"/api/applications/{app['id']}/roles/{role['id']}", headers=auth).status_code == 204
            assert scope_on_b() is None, f"round {i}: B granted a removed role"
            assert on_a.post(f"/api/applications/{app['id']}/roles", json=grant, headers=auth).status_code == 201
            assert scope_on_b() == "all", f"round {i}: B missed a granted role"

            # Signing keys (D6): B has verified (and cached) a token of the key A rotates out and deletes.
            old = admin(on_b)
            old_kid = _kid(old["Authorization"][7:])
            assert on_b.get("/api/roles", params={"page_size": 1}, headers=old).status_code == 200
            assert old_kid in _jwks(on_b)
            _current, previous = on_a.post("/api/configs/oidc/private-keys/rotate", json={}, headers=old).json()
            auth = admin(on_a)
            new_kid = _kid(auth["Authorization"][7:])
            assert new_kid != old_kid and _jwks(on_b) == {new_kid, old_kid}, f"round {i}: B missed a rotation"
            assert on_a.delete(f"/api/configs/oidc/private-keys/{previous['id']}", headers=auth).status_code == 204
            assert _jwks(on_b) == {new_kid}, f"round {i}: B still publishes a deleted key"
            res = on_b.get("/api/roles", params={"page_size": 1}, headers=old)
            assert res.status_code == 401, f"round {i}: B accepted a token of a deleted key"
            assert _kid(admin(on_b)["Authorization"][7:]) == new_kid
