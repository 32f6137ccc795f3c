"""SQL for one-time tokens. `status` as stored; an active token past `expires_at` reads as expired
(computed by the caller, as Logto's query does)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables_connectors import one_time_tokens as O


async def insert_token(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(O.insert().values(**values))


async def expire_by_email(conn: AsyncConnection, tenant_id: str, email: str, now_ms: int) -> None:
    await conn.execute(
        update(O)
        .where(O.c.tenant_id == tenant_id, O.c.email == email, O.c.status == "active", O.c.expires_at <= now_ms)
        .values(status="expired")
    )


async def list_tokens(
    conn: AsyncConnection,
    tenant_id: str,
    email: str | None,
    status: str | None,
    limit: int | None,
    offset: int,
) -> tuple[int, list[Row[Any]]]:
    """(total of the tenant's tokens, as Logto counts them: unfiltered; the page)."""
    total = (await conn.execute(select(func.count()).select_from(O).where(O.c.tenant_id == tenant_id))).scalar_one()
    stmt = select(O).where(O.c.tenant_id == tenant_id)
    if email:
        stmt = stmt.where(O.c.email == email)
    if status:
        stmt = stmt.where(O.c.status == status)
    stmt = stmt.order_by(O.c.created_at.desc(), O.c.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return int(total), list((await conn.execute(stmt)).all())


async def find_by_id(conn: AsyncConnection, tenant_id: str, token_id: str) -> Row[Any] | None:
    return (await conn.execute(select(O).where(O.c.tenant_id == tenant_id, O.c.id == token_id))).first()


async def find_by_hash(conn: AsyncConnection, tenant_id: str, token_hash: str) -> Row[Any] | None:
    stmt = select(O).where(O.c.tenant_id == tenant_id, O.c.token_hash == token_hash)
    return (await conn.execute(stmt)).first()


async def set_status(
    conn: AsyncConnection, tenant_id: str, token_id: str, status: str, only_if: str | None = None
) -> bool:
    stmt = update(O).where(O.c.tenant_id == tenant_id, O.c.id == token_id)
    if only_if is not None:
        stmt = stmt.where(O.c.status == only_if)
    return bool((await conn.execute(stmt.values(status=status))).rowcount)


async def delete_token(conn: AsyncConnection, tenant_id: str, token_id: str) -> bool:
    result = await conn.execute(delete(O).where(O.c.tenant_id == tenant_id, O.c.id == token_id))
    return bool(result.rowcount)
