"""Audit log (Logto's `logs`): queries, and a buffered writer so that the token endpoint never
waits for a log insert (entries are written in batches, at most FLUSH_S later; a crash loses at
most that window of audit entries, never a token)."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from sqlalchemy import Row, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.clock import now_ms
from authkeep.ids import standard_id
from authkeep.paging import Page
from authkeep.store.db import Database
from authkeep.store.tables_hooks import logs as L

log = logging.getLogger("authkeep.logs")

# Keys `GET /api/logs` lists (Logto: hook deliveries only through a hook's recent logs).
LISTED_PREFIXES = ("ExchangeTokenBy", "RevokeToken", "RevokeGrants", "Interaction", "JwtCustomizer",
                   "SamlApplication", "Action", "Unknown")  # fmt: skip
FLUSH_S = 0.2
MAX_BUFFER = 10_000  # beyond this (database down), entries are dropped and counted in the log
# Days of logs kept (0: forever). docs/configuration.md.
RETENTION_DAYS = int(os.environ.get("AUTHKEEP_LOG_RETENTION_DAYS", "30") or 0)


def entry(tenant_id: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
    payload = {"key": key, **payload}
    return {
        "tenant_id": tenant_id, "id": standard_id(), "key": key, "payload": payload,
        "hook_id": payload.get("hookId"), "user_id": payload.get("userId"),
        "application_id": payload.get("applicationId"), "created_at": now_ms(),
    }  # fmt: skip


def _where(tenant_id: str, filters: dict[str, Any]) -> Any:
    cond = [L.c.tenant_id == tenant_id, or_(*(L.c.key.like(f"{p}%") for p in LISTED_PREFIXES))]
    if filters.get("log_key") is not None:
        cond.append(L.c.key == filters["log_key"])
    if filters.get("user_id") is not None:
        cond.append(L.c.user_id == filters["user_id"])
    if filters.get("application_id") is not None:
        cond.append(L.c.application_id == filters["application_id"])
    if filters.get("start") is not None:
        cond.append(L.c.created_at >= filters["start"])
    if filters.get("end") is not None:
        cond.append(L.c.created_at <= filters["end"])
    return and_(*cond)


async def list_logs(conn: AsyncConnection, tenant_id: str, filters: dict[str, Any], page: Page) -> tuple[int, list[Row[Any]]]:
    where = _where(tenant_id, filters)
    total = (await conn.execute(select(func.count()).select_from(L).where(where))).scalar_one()
    query = select(L).where(where).order_by(L.c.created_at.desc(), L.c.id.desc()).limit(page.limit).offset(page.offset)
    return int(total), list((await conn.execute(query)).all())


async def get_log(conn: AsyncConnection, tenant_id: str, log_id: str) -> Row[Any] | None:
    return (await conn.execute(select(L).where(L.c.tenant_id == tenant_id, L.c.id == log_id))).first()


async def prune(conn: AsyncConnection, before: int) -> int:
    return (await conn.execute(delete(L).where(L.c.created_at < before))).rowcount


class LogWriter:
    """Collects entries and inserts them in batches from a background task."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._buffer: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def add(self, item: dict[str, Any]) -> None:
        if len(self._buffer) >= MAX_BUFFER:
            self.dropped += 1
            return
        self._buffer.append(item)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        # Entries added while a flush is under way find this task still running and start none
        # of their own: keep going until the buffer is empty, or they would wait for the next add.
        while self._buffer:
            await asyncio.sleep(FLUSH_S)
            await self.flush()

    async def flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        try:
            async with self.db.write() as conn:
                await conn.execute(L.insert(), batch)
        except Exception as exc:  # noqa: BLE001  (an audit entry must never fail a request)
            log.warning("could not write %d audit log entries: %s", len(batch), type(exc).__name__)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.flush()
