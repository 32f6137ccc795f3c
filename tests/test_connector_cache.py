"""The connector tables have their own cache family (store/events.py): a connector write drops
cached connector answers and keeps cached role answers, and a role write the reverse."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
import httpx

from tests.conftest import unique
from tests.server import Server

OIDC_CONFIG = {
    "authorizationEndpoint": "https://idp.example.com/authorize",
    "tokenEndpoint": "https://idp.example.com/token",
    "clientId": "client",
    "clientSecret": "very-secret-value",
    "scope": "openid profile",
    "idTokenVerificationConfig": {"jwksUri": "https://idp.example.com/jwks"},
}


def _hidden_write(server: Server, role_id: str, description: str, connector_id: str, sync: bool) -> None:
    """Change rows without telling the caches, to show what they hold (as tests/test_events.py):
    PostgreSQL in a session claiming to be authkeep's (no NOTIFY); SQLite rewinding the per-table
    counters of migration 0007 and moving an unrelated table's instead."""
    role_sql = "UPDATE roles SET description = {} WHERE id = {}"
    connector_sql = "UPDATE connectors SET sync_profile = {} WHERE id = {}"
    if server.backend == "sqlite":
        with sqlite3.connect(server.database_url.split("///", 1)[1]) as conn:
            conn.execute(role_sql.format("?", "?"), (description, role_id))
            conn.execute(connector_sql.format("?", "?"), (int(sync), connector_id))
            for table in ("roles", "connectors"):
                conn.execute("UPDATE authkeep_table_versions SET version = version - 1 WHERE name = ?", (table,))
            conn.execute("UPDATE authkeep_table_versions SET version = version + 1 WHERE name = 'message_sends'")
        return

    async def run() -> None:
        conn = await asyncpg.connect(server.database_url, server_settings={"authkeep.app": "on"})
        try:
            await conn.execute(role_sql.format("$1", "$2"), description, role_id)
            await conn.execute(connector_sql.format("$1", "$2"), sync, connector_id)
        finally:
            await conn.close()

    asyncio.run(run())


def _connector(api: httpx.Client) -> dict[str, Any]:
    target = unique("cache-idp")
    body = {"connectorId": "oidc", "config": OIDC_CONFIG, "metadata": {"target": target}, "id": unique("cache-oidc")}
    r = api.post("/api/connectors", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_connector_writes_drop_connector_answers_only(server: Server, api: httpx.Client) -> None:
    role = api.post("/api/roles", json={"name": unique("cache-role"), "description": "a"}).json()
    connector = _connector(api)
    made = [connector["id"]]
    try:

        def read() -> tuple[str, bool, bool]:
            one = api.get(f"/api/connectors/{connector['id']}").json()["syncProfile"]
            listed = api.get("/api/connectors", params={"target": connector["target"]}).json()
            return api.get(f"/api/roles/{role['id']}").json()["description"], one, listed[0]["syncProfile"]

        assert read() == ("a", False, False)
        _hidden_write(server, role["id"], "b", connector["id"], True)
        assert read() == ("a", False, False)  # all served from the cache

        made.append(_connector(api)["id"])
        assert read() == ("a", True, True), "a connector write must drop connector answers, and only those"

        _hidden_write(server, role["id"], "c", connector["id"], False)
        assert api.post("/api/roles", json={"name": unique("cache-role"), "description": "x"}).status_code == 200
        assert read() == ("c", True, True), "a role write must keep cached connector answers"
        assert api.delete(f"/api/connectors/{made.pop()}").status_code == 204
        assert read() == ("c", False, False)
    finally:
        for connector_id in made:
            api.delete(f"/api/connectors/{connector_id}")
        api.delete(f"/api/roles/{role['id']}")
