"""Reading a Logto 1.x PostgreSQL database for `authkeep import-logto` (docs/import-logto.md).

Everything is read in one read-only REPEATABLE READ transaction, so the import sees one snapshot
even while Logto keeps running. Only the columns that exist are selected (Logto 1.x versions
differ), timestamps come back as epoch milliseconds (authkeep's form) and JSON as Python values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson


class SourceError(Exception):
    """The Logto database cannot be read; the message says why, without secrets."""


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unreadable URL>"


def _ms(value: Any) -> Any:
    return int(value.timestamp() * 1000) if isinstance(value, dt.datetime) else value


class LogtoSource:
    def __init__(self, conn: asyncpg.Connection, tenant: str) -> None:
        self.conn = conn
        self.tenant = tenant
        self.columns: dict[str, set[str]] = {}
        self._tx: Any = None

    @classmethod
    async def open(cls, url: str, tenant: str) -> LogtoSource:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in ("postgres", "postgresql", "postgresql+asyncpg"):
            raise SourceError("--from must be a PostgreSQL URL: postgresql://user:password@host:port/database")
        dsn = "postgresql://" + url.split("://", 1)[1]
        try:
            conn = await asyncpg.connect(dsn, timeout=15)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError, TimeoutError) as exc:
            raise SourceError(f"cannot connect to {redacted(url)}: {_reason(exc)}") from None
        source = cls(conn, tenant)
        try:
            for kind in ("json", "jsonb"):
                await conn.set_type_codec(kind, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads,
                                          schema="pg_catalog")  # fmt: skip
            source._tx = conn.transaction(isolation="repeatable_read", readonly=True)
            await source._tx.start()
            await source._load_layout()
        except SourceError:
            await source.close()
            raise
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await source.close()
            raise SourceError(f"cannot read {redacted(url)}: {_reason(exc)}") from None
        return source

    async def _load_layout(self) -> None:
        found = await self.conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = ANY(current_schemas(false))"
        )
        for row in found:
            self.columns.setdefault(row["table_name"], set()).add(row["column_name"])
        if "users" not in self.columns or "tenant_id" not in self.columns["users"]:
            raise SourceError("this database has no Logto `users` table with `tenant_id`: is it Logto's database?")
        if "tenants" in self.columns:
            tenants = [r["id"] for r in await self.conn.fetch("SELECT id FROM tenants ORDER BY id")]
            if self.tenant not in tenants:
                raise SourceError(f"Logto has no tenant {self.tenant!r} (it has: {', '.join(tenants) or 'none'})")

    async def close(self) -> None:
        if self._tx is not None:
            try:
                await self._tx.rollback()
            except (asyncpg.PostgresError, asyncpg.InterfaceError):
                pass
        await self.conn.close()

    def has(self, table: str, *columns: str) -> bool:
        have = self.columns.get(table)
        return have is not None and "tenant_id" in have and all(c in have for c in columns)

    async def count(self, table: str) -> int:
        if not self.has(table):
            return 0
        return int(await self.conn.fetchval(f"SELECT count(*) FROM {_q(table)} WHERE tenant_id = $1", self.tenant))

    async def rows(
        self, table: str, wanted: Sequence[str], order: Sequence[str], batch: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """The tenant's rows in `order`, `batch` at a time, with the wanted columns that exist."""
        have = self.columns.get(table, set())
        cols = [c for c in wanted if c in have]
        keys = [c for c in order if c in have] or cols[:1]
        # Names come from authkeep's own table definitions, found in Logto's catalog: quoted, not bound.
        query = (
            f"SELECT {', '.join(map(_q, cols))} FROM {_q(table)} WHERE tenant_id = $1 ORDER BY {', '.join(map(_q, keys))}"
        )
        cursor = await self.conn.cursor(query, self.tenant)
        while True:
            found = await cursor.fetch(batch)
            if not found:
                return
            yield [{k: _ms(v) for k, v in r.items()} for r in found]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
