"""Creating users on PostgreSQL in batched single statements: the hot path of bulk provisioning.

The general path (`users.creation_checks` + `users.insert_user` inside `Database.write()`) costs
BEGIN, a conflict query, INSERT and COMMIT through SQLAlchemy, and a commit, counter updates and
a change notification per user. Here the creates that arrive while one statement is in flight
wait for the next, and one autocommit statement checks their identifiers, inserts them and
counts them: the commit, counters and notification are paid once per batch.

A create the statement does not insert answers None and the caller takes the general path,
which gives Logto's answer: an identifier already taken, two creates of one identifier in the
same batch (`ON CONFLICT DO NOTHING` keeps the first), default roles to grant, any database error.
The statement either inserted a user or wrote nothing for it.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from sqlalchemy.dialects import postgresql

from authkeep.store import tables as T
from authkeep.store.db import Database
from authkeep.store.user_counts import INLINE, inline_counts

# Set for a request whose create must commit with its webhook outbox rows (a hook subscribes to
# User.Created): the autocommit batch cannot carry them, so such a create takes the general path.
needs_transaction: ContextVar[bool] = ContextVar("authkeep_user_create_needs_transaction", default=False)

MAX_BATCH = 64
log = logging.getLogger("authkeep.users")
_COLUMNS = [c.name for c in T.users.c]
# Casts without a length: an explicit ::varchar(128) would truncate where the column must refuse.
_TYPES = {c.name: c.type.compile(dialect=postgresql.dialect()).split("(")[0] for c in T.users.c}
_JSON = {name for name, sql_type in _TYPES.items() if sql_type == "JSONB"}  # sent as text, cast back
_ARRAYS = ", ".join(f"${i + 2}::{'text' if name in _JSON else _TYPES[name]}[]" for i, name in enumerate(_COLUMNS))
_PHONES = len(_COLUMNS) + 2  # $_PHONES: row numbers, $_PHONES+1: phone variants
_VALUES = ", ".join(f"i.{name}::jsonb" if name in _JSON else f"i.{name}" for name in _COLUMNS)
_SQL = f"""
WITH inline AS (
  -- this statement counts its users itself (below); the count trigger skips it (migration 0006)
  SELECT set_config('{INLINE}', 'inline', true)
), input AS (
  SELECT * FROM unnest({_ARRAYS}) WITH ORDINALITY AS i({", ".join(_COLUMNS)}, n)
), taken AS (
  SELECT i.n FROM input i WHERE EXISTS (
    SELECT 1 FROM users u WHERE u.tenant_id = $1
      AND (u.username = i.username OR lower(u.primary_email) = lower(i.primary_email)))
  UNION
  SELECT p.n FROM unnest(${_PHONES}::bigint[], ${_PHONES + 1}::varchar[]) AS p(n, phone)
  WHERE EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = $1 AND u.primary_phone = p.phone)
), defaults AS (
  SELECT 1 FROM roles WHERE tenant_id = $1 AND is_default AND type = 'User' LIMIT 1
), created AS (
  INSERT INTO users ({", ".join(_COLUMNS)})
  SELECT {_VALUES} FROM input i, inline
  WHERE i.n NOT IN (SELECT n FROM taken) AND NOT EXISTS (SELECT 1 FROM defaults)
  ORDER BY i.n
  ON CONFLICT DO NOTHING
  RETURNING *
), {inline_counts("created")}
SELECT * FROM created
"""


@dataclass
class _Create:
    row: dict[str, Any]
    phones: Sequence[str]
    done: asyncio.Future[dict[str, Any] | None]


@dataclass
class _Batcher:
    db: Database
    queue: list[_Create] = field(default_factory=list)
    runner: asyncio.Task[None] | None = None

    async def create(self, row: dict[str, Any], phones: Sequence[str]) -> dict[str, Any] | None:
        item = _Create(row, phones, asyncio.get_running_loop().create_future())
        self.queue.append(item)
        if self.runner is None or self.runner.done():
            self.runner = asyncio.create_task(self._run())
        return await asyncio.shield(item.done)

    async def _run(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            created: dict[str, dict[str, Any]] = {}
            try:
                created = await _insert(self.db, [c.row for c in batch], [c.phones for c in batch])
            except asyncio.CancelledError:
                for item in (*batch, *self.queue):
                    if not item.done.done():
                        item.done.set_result(None)
                raise
            except Exception as exc:  # noqa: BLE001 - never leave a create waiting
                # The statement wrote all of its batch or nothing: each create takes the general
                # path, which reports a lasting failure itself.
                if not isinstance(exc, asyncpg.PostgresError):
                    log.warning("batched user create failed: %s", type(exc).__name__)
            for item in batch:
                item.done.set_result(created.get(item.row["id"]))


async def _insert(db: Database, rows: list[dict[str, Any]], phones: list[Sequence[str]]) -> dict[str, dict[str, Any]]:
    tenant = rows[0]["tenant_id"]
    columns = [
        [orjson.dumps(r.get(name)).decode() for r in rows] if name in _JSON else [r.get(name) for r in rows]
        for name in _COLUMNS
    ]
    numbers = [n for n, variants in enumerate(phones, 1) for _ in variants]
    variants = [v for vs in phones for v in vs]
    found = await db.fetch_write(_SQL, [tenant, *columns, numbers, variants], ("users",))
    return {r["id"]: {name: r[name] for name in _COLUMNS} for r in found}


_BATCHERS: weakref.WeakKeyDictionary[Database, dict[str, _Batcher]] = weakref.WeakKeyDictionary()


async def create(db: Database, row: dict[str, Any], *, phones: Sequence[str]) -> dict[str, Any] | None:
    """The new user's row, or None: the caller takes the general path (module docstring)."""
    per_tenant = _BATCHERS.setdefault(db, {})
    batcher = per_tenant.get(row["tenant_id"])
    if batcher is None:
        batcher = per_tenant[row["tenant_id"]] = _Batcher(db)
    return await batcher.create(row, phones)
