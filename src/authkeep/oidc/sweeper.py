"""Deletes expired OIDC model instances (sessions, interactions, grants, codes, tokens) and expired
Idempotency-Keys every few minutes. Expired rows already read as absent; this only bounds the
tables' growth. Any number of instances may run it: a delete of expired rows is idempotent."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from authkeep import clock
from authkeep.store import idempotency, oidc_models
from authkeep.store.db import Database

log = logging.getLogger("authkeep.oidc")
INTERVAL_S = 600.0


async def _run(db: Database, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            async with db.write() as conn:
                removed = await oidc_models.sweep(conn, clock.now_ms())
                keys = await idempotency.sweep(conn, clock.now_ms())
            if removed or keys:
                log.info("swept %d expired oidc instances, %d idempotency keys", removed, keys)
        except Exception as exc:  # noqa: BLE001 - a failed round is retried at the next one
            log.warning("oidc sweep failed: %s", type(exc).__name__)


def start(db: Database, interval: float = INTERVAL_S) -> asyncio.Task[None]:
    return asyncio.create_task(_run(db, interval), name="oidc-sweeper")


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
