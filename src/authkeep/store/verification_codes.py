"""SQL for verification codes (Logto's `passcodes`), the Management API's generic flow (no jti)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables_connectors import passcodes as P


def _recipient(email: str | None, phone: str | None) -> Any:
    return P.c.email == email if email is not None else P.c.phone == phone


async def replace_code(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Drops the recipient's unconsumed codes of the type, then stores the new one."""
    await conn.execute(
        delete(P).where(
            P.c.tenant_id == values["tenant_id"],
            P.c.type == values["type"],
            P.c.interaction_jti.is_(None),
            P.c.consumed.is_(False),
            _recipient(values.get("email"), values.get("phone")),
        )
    )
    await conn.execute(P.insert().values(**values))


async def find_unconsumed(
    conn: AsyncConnection, tenant_id: str, code_type: str, email: str | None, phone: str | None
) -> Row[Any] | None:
    stmt = (
        select(P)
        .where(
            P.c.tenant_id == tenant_id,
            P.c.type == code_type,
            P.c.interaction_jti.is_(None),
            P.c.consumed.is_(False),
            _recipient(email, phone),
        )
        .order_by(P.c.created_at.desc())
        .limit(1)
    )
    return (await conn.execute(stmt)).first()


async def add_try(conn: AsyncConnection, tenant_id: str, code_id: str) -> None:
    await conn.execute(
        update(P).where(P.c.tenant_id == tenant_id, P.c.id == code_id).values(try_count=P.c.try_count + 1)
    )


async def consume(conn: AsyncConnection, tenant_id: str, code_id: str) -> bool:
    """True when this call consumed it (a concurrent verify of the same code loses)."""
    result = await conn.execute(
        update(P)
        .where(P.c.tenant_id == tenant_id, P.c.id == code_id, P.c.consumed.is_(False))
        .values(consumed=True)
    )
    return bool(result.rowcount)
