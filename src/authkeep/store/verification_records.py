"""SQL for the Verification API: its persisted records (Logto's `verification_records`) and the
codes those records send (`passcodes` rows keyed by the record id, Logto's `interaction_jti`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables_connectors import passcodes as P
from authkeep.store.tables_oidc import verification_records as V


@dataclass(frozen=True)
class Record:
    id: str
    user_id: str | None
    data: dict[str, Any]
    expires_at: int


async def insert(
    conn: AsyncConnection, tenant_id: str, record_id: str, user_id: str | None, data: dict[str, Any], now: int, expires_at: int
) -> None:
    await conn.execute(
        V.insert().values(
            tenant_id=tenant_id, id=record_id, user_id=user_id, data=data, expires_at=expires_at, created_at=now
        )
    )


async def find_active(conn: AsyncConnection, tenant_id: str, record_id: str, now: int) -> Record | None:
    """Logto's findActiveVerificationRecordById: an expired record reads as absent."""
    if not record_id or len(record_id) > 21:
        return None
    row = (
        await conn.execute(select(V).where(V.c.tenant_id == tenant_id, V.c.id == record_id, V.c.expires_at > now))
    ).first()
    if row is None:
        return None
    return Record(row.id, row.user_id, dict(row.data or {}), row.expires_at)


async def update_data(conn: AsyncConnection, tenant_id: str, record_id: str, data: dict[str, Any]) -> None:
    await conn.execute(update(V).where(V.c.tenant_id == tenant_id, V.c.id == record_id).values(data=data))


async def sweep(conn: AsyncConnection, tenant_id: str, now: int) -> None:
    await conn.execute(delete(V).where(V.c.tenant_id == tenant_id, V.c.expires_at <= now))


# --- codes sent for a record (passcodes with interaction_jti = record id) -----------------------


def _recipient(email: str | None, phone: str | None) -> Any:
    return P.c.email == email if email is not None else P.c.phone == phone


async def replace_code(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Logto's createPasscode: the record's earlier unconsumed codes of the type go first."""
    await conn.execute(
        delete(P).where(
            P.c.tenant_id == values["tenant_id"],
            P.c.interaction_jti == values["interaction_jti"],
            P.c.type == values["type"],
            P.c.consumed.is_(False),
        )
    )
    await conn.execute(P.insert().values(**values))


async def find_code(
    conn: AsyncConnection, tenant_id: str, jti: str, code_type: str, email: str | None, phone: str | None
) -> Row[Any] | None:
    stmt = (
        select(P)
        .where(
            P.c.tenant_id == tenant_id,
            P.c.interaction_jti == jti,
            P.c.type == code_type,
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
        update(P).where(P.c.tenant_id == tenant_id, P.c.id == code_id, P.c.consumed.is_(False)).values(consumed=True)
    )
    return bool(result.rowcount)
