"""SQL for connectors. Rows carry the config without its secret values (`config`) and the sealed
secrets; domain/connectors.py joins them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables_connectors import connectors as C


async def list_connectors(conn: AsyncConnection, tenant_id: str) -> list[Row[Any]]:
    """Every connector of the tenant, oldest first (the sign-in experience reads this too)."""
    stmt = select(C).where(C.c.tenant_id == tenant_id).order_by(C.c.created_at, C.c.id)
    return list((await conn.execute(stmt)).all())


async def find_connector(conn: AsyncConnection, tenant_id: str, connector_id: str) -> Row[Any] | None:
    stmt = select(C).where(C.c.tenant_id == tenant_id, C.c.id == connector_id)
    return (await conn.execute(stmt)).first()


async def insert_connector(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(C.insert().values(**values))


async def update_connector(conn: AsyncConnection, tenant_id: str, connector_id: str, values: dict[str, Any]) -> None:
    await conn.execute(update(C).where(C.c.tenant_id == tenant_id, C.c.id == connector_id).values(**values))


async def delete_connectors(conn: AsyncConnection, tenant_id: str, ids: list[str]) -> int:
    result = await conn.execute(delete(C).where(C.c.tenant_id == tenant_id, C.c.id.in_(ids)))
    return int(result.rowcount or 0)
