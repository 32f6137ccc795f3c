"""Is the database answering? For the readiness endpoint."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from authkeep.store.db import Database

_PING = text("SELECT 1")


async def database_ready(db: Database, timeout: float = 2.0) -> bool:
    """True when a pooled connection runs a statement within `timeout`; never raises."""
    try:
        async with asyncio.timeout(timeout):
            async with db.read() as conn:
                await conn.execute(_PING)
        return True
    except Exception:  # noqa: BLE001 (any failure means "not ready")
        return False
