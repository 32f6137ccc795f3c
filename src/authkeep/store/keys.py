"""Signing-key rows (private material sealed by SecretBox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables import signing_keys as t


async def list_keys(conn: AsyncConnection, tenant_id: str, kind: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(t).where(t.c.tenant_id == tenant_id, t.c.kind == kind).order_by(t.c.created_at.desc())
    )
    return [dict(r._mapping) for r in rows]


async def insert_key(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(t.insert().values(**row))


async def set_status(conn: AsyncConnection, tenant_id: str, key_id: str, status: str) -> None:
    await conn.execute(update(t).where(t.c.tenant_id == tenant_id, t.c.id == key_id).values(status=status))


async def delete_key(conn: AsyncConnection, tenant_id: str, key_id: str) -> None:
    await conn.execute(delete(t).where(t.c.tenant_id == tenant_id, t.c.id == key_id))
