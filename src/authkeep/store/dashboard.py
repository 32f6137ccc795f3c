"""Counts behind the dashboard: users, new users per day, active users (distinct users with a
successful token exchange in the audit log, as Logto counts them). Days are UTC days."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables import users as U
from authkeep.store.tables_hooks import logs as L

DAY_MS = 86_400_000


async def total_users(conn: AsyncConnection, tenant_id: str) -> int:
    return int((await conn.execute(select(func.count()).select_from(U).where(U.c.tenant_id == tenant_id))).scalar_one())


async def new_users_by_day(conn: AsyncConnection, tenant_id: str, after: int, until: int) -> dict[int, int]:
    """UTC day number -> users created in (after, until]."""
    day = (U.c.created_at // DAY_MS).label("day")
    query = (
        select(day, func.count())
        .where(U.c.tenant_id == tenant_id, U.c.created_at > after, U.c.created_at <= until)
        .group_by(day)
    )
    return {int(d): int(n) for d, n in (await conn.execute(query)).all()}


def _active(tenant_id: str, after: int, until: int) -> list:  # type: ignore[type-arg]
    return [
        L.c.tenant_id == tenant_id, L.c.key.like("ExchangeTokenBy.%"), L.c.user_id.is_not(None),
        L.c.payload["result"].as_string() == "Success", L.c.created_at > after, L.c.created_at <= until,
    ]  # fmt: skip


async def active_users(conn: AsyncConnection, tenant_id: str, after: int, until: int) -> int:
    query = select(func.count(distinct(L.c.user_id))).where(*_active(tenant_id, after, until))
    return int((await conn.execute(query)).scalar_one())


async def active_users_by_day(conn: AsyncConnection, tenant_id: str, after: int, until: int) -> dict[int, int]:
    day = (L.c.created_at // DAY_MS).label("day")
    query = select(day, func.count(distinct(L.c.user_id))).where(*_active(tenant_id, after, until)).group_by(day)
    return {int(d): int(n) for d, n in (await conn.execute(query)).all()}
