"""The console's own SQL: admin accounts, sessions, and two read-only views (badges, sign-ups).

Nothing here changes tenant data: every change the console makes goes through the Management API.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.domain import management_api as mapi
from authkeep.store import tables as T

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Admin:
    id: str
    username: str
    password_hash: str


@dataclass(frozen=True)
class Session:
    admin_id: str
    username: str
    csrf_token: str
    expires_at: int


async def find_admin(conn: AsyncConnection, username: str) -> Admin | None:
    a = T.console_admins
    row = (await conn.execute(select(a.c.id, a.c.username, a.c.password_hash).where(a.c.username == username))).first()
    return Admin(row.id, row.username, row.password_hash) if row else None


async def count_admins(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(T.console_admins))).scalar_one())


async def insert_admin(conn: AsyncConnection, username: str, password_hash: str) -> str:
    admin_id = ids.standard_id()
    await conn.execute(
        T.console_admins.insert().values(
            id=admin_id, username=username, password_hash=password_hash, created_at=clock.now_ms()
        )
    )
    return admin_id


async def set_password(conn: AsyncConnection, admin_id: str, password_hash: str) -> None:
    a = T.console_admins
    await conn.execute(a.update().where(a.c.id == admin_id).values(password_hash=password_hash))


async def insert_session(conn: AsyncConnection, sid_hash: str, admin_id: str, csrf: str, ttl_ms: int) -> None:
    now = clock.now_ms()
    s = T.console_sessions
    await conn.execute(delete(s).where(s.c.expires_at <= now))  # sweep expired rows on each sign-in
    await conn.execute(
        s.insert().values(id=sid_hash, admin_id=admin_id, csrf_token=csrf, created_at=now, expires_at=now + ttl_ms)
    )


async def find_session(conn: AsyncConnection, sid_hash: str) -> Session | None:
    s, a = T.console_sessions, T.console_admins
    row = (
        await conn.execute(
            select(s.c.admin_id, a.c.username, s.c.csrf_token, s.c.expires_at)
            .join(a, a.c.id == s.c.admin_id)
            .where(s.c.id == sid_hash, s.c.expires_at > clock.now_ms())
        )
    ).first()
    return Session(row.admin_id, row.username, row.csrf_token, row.expires_at) if row else None


async def delete_session(conn: AsyncConnection, sid_hash: str) -> None:
    s = T.console_sessions
    await conn.execute(delete(s).where(s.c.id == sid_hash))


async def management_role_ids(conn: AsyncConnection, tenant_id: str) -> set[str]:
    """Roles holding at least one scope of a resource shaped like a Management API."""
    rs, sc, rsrc = T.roles_scopes, T.scopes, T.resources
    rows = await conn.execute(
        select(rs.c.role_id, rsrc.c.indicator)
        .join(sc, sc.c.id == rs.c.scope_id)
        .join(rsrc, rsrc.c.id == sc.c.resource_id)
        .where(rs.c.tenant_id == tenant_id)
        .distinct()
    )
    return {row.role_id for row in rows if mapi.is_management_api(row.indicator)}


async def signups_per_day(conn: AsyncConnection, tenant_id: str, days: int) -> list[int]:
    """New users for each of the last `days` UTC days, oldest first (today last)."""
    u = T.users
    today = clock.now_ms() // DAY_MS * DAY_MS
    since = today - (days - 1) * DAY_MS
    bucket = ((u.c.created_at - since) // DAY_MS).label("bucket")
    rows = await conn.execute(
        select(bucket, func.count()).where(u.c.tenant_id == tenant_id, u.c.created_at >= since).group_by(bucket)
    )
    counts = [0] * days
    for index, n in rows:
        if 0 <= int(index) < days:
            counts[int(index)] += int(n)
    return counts
