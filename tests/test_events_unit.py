"""Events of write transactions (store/events.py, Database.write): derived from the DML that ran,
published after commit only, and counted per table family."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import delete, insert, update

from authkeep.store import changes, events, tables
from authkeep.store.db import Database, commits
from authkeep.store.migrate import migrate


def test_every_table_has_families() -> None:
    for name in tables.metadata.tables:
        families = events.table_families(name)
        if name == "tenants":
            assert families is events.ALL  # deleting a tenant deletes everything
        else:
            assert families and families <= set(events.FAMILIES), name


def test_deletes_reach_the_families_their_foreign_keys_cascade_to() -> None:
    role_delete = events._statement_events(delete(tables.roles))[0]
    assert {"roles", "users", "applications", "resources"} <= role_delete.families  # users_roles, ...
    assert events._statement_events(update(tables.users))[0].families == {"users"}
    assert events._statement_events(insert(tables.users_roles))[0].families == {"users", "roles"}
    assert events._statement_events("SELECT 1") == []
    assert events._statement_events("UPDATE roles SET name = 'x'")[0].families == {"roles"}
    assert events._statement_events("WITH x AS (DELETE FROM roles) SELECT 1")[0].families is events.ALL
    # A table declared by a module imported later still has its own families.
    assert events._statement_events("DELETE FROM passcodes")[0].families == {"codes"}
    assert events._statement_events("DELETE FROM no_such_table")[0].families is events.ALL


def test_notification_payloads() -> None:
    assert changes.parse("me users,roles", "me") == frozenset()
    assert changes.parse("other users,roles", "me") == {"users", "roles"}
    assert changes.parse("external users_roles", "me") == {"users", "roles"}
    assert changes.parse("external", "me") is None  # migration 0005's trigger: unknown
    assert changes.parse("other", "me") is None
    assert changes.parse("other users,no_such_table", "me") is None


def _role(i: int) -> dict[str, Any]:
    return {"tenant_id": "default", "id": f"role{i}", "name": f"role {i}", "description": "d", "type": "User", "created_at": 0}


def test_write_publishes_after_commit_only_and_per_family() -> None:
    async def go(path: str) -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate(db)
            async with db.write() as conn:
                await conn.execute(insert(tables.tenants).values(id="default", name="d", created_at=0))
            seen: list[Sequence[events.Event]] = []
            db.subscribe(seen.append)
            roles, users = db.token(("roles",)), db.token(("users",))
            before = commits.get()

            async with db.write() as conn:
                await conn.execute(insert(tables.roles).values(**_role(1)))
                events.emit(conn, events.Event("role", "created", ("role1",), {"name": "role 1"}))
            assert [(e.entity, e.action) for e in seen[0]] == [("roles", "insert"), ("role", "created")]
            assert db.token(("roles",)) > roles and db.token(("users",)) == users
            assert commits.get() == before + 1
            everything = db.token(())  # a reader that names no families is stale after any write
            db.changed({"messages"})
            assert db.token(()) > everything

            def broken(_found: Sequence[events.Event]) -> None:
                raise ValueError("a subscriber's bug")

            db.subscribe(broken)  # must not turn a committed write into an error
            async with db.write() as conn:
                await conn.execute(update(tables.roles).where(tables.roles.c.id == "role1").values(description="x"))
            assert [(e.entity, e.action) for e in seen[1]] == [("roles", "update")]

            roles = db.token(("roles",))
            with pytest.raises(RuntimeError):
                async with db.write() as conn:
                    await conn.execute(insert(tables.roles).values(**_role(2)))
                    raise RuntimeError("rolled back")
            assert len(seen) == 2 and commits.get() == before + 2  # nothing published
            assert db.token(("users",)) == users

            # Every table counts its changes (migration 0007), for other processes to see.
            async with db.read() as conn:
                names = {r[0] for r in await conn.exec_driver_sql("SELECT name FROM authkeep_table_versions")}
                found = await conn.exec_driver_sql(
                    "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE 'authkeep_change_feed_%' GROUP BY tbl_name"
                )
                triggers = dict(found.all())
            assert names == set(tables.metadata.tables) == set(triggers)
            assert set(triggers.values()) == {3}

            # SQLite: another process's write is seen through data_version and the table counters.
            assert db.observe()
            roles, users = db.token(("roles",)), db.token(("users",))
            with sqlite3.connect(path) as other:
                other.execute("UPDATE roles SET description = 'e' WHERE id = 'role1'")
            assert db.observe()
            assert db.token(("roles",)) > roles and db.token(("users",)) == users
        finally:
            await db.dispose()

    with tempfile.TemporaryDirectory(prefix="authkeep-events-") as tmp:
        asyncio.run(go(f"{tmp}/db.sqlite"))


def test_emit_outside_a_write_is_refused() -> None:
    async def go(path: str) -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            async with db.read() as conn:
                with pytest.raises(RuntimeError):
                    events.emit(conn, events.Event("role", "created"))
        finally:
            await db.dispose()

    with tempfile.TemporaryDirectory(prefix="authkeep-events-") as tmp:
        asyncio.run(go(f"{tmp}/db.sqlite"))
