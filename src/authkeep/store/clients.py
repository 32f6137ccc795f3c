"""What the token endpoint needs from the database, in as few round trips as possible."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store import tables as T


@dataclass(frozen=True)
class ClientRecord:
    id: str
    type: str
    sealed_secret: str
    secrets: tuple[tuple[str, str, int | None], ...]  # (name, sealed value, expires_at)
    custom_client_metadata: dict[str, object]


async def find_client(conn: AsyncConnection, tenant_id: str, client_id: str) -> ClientRecord | None:
    a, s = T.applications, T.application_secrets
    rows = (
        await conn.execute(
            select(a.c.id, a.c.type, a.c.secret, a.c.custom_client_metadata, s.c.name, s.c.value, s.c.expires_at)
            .select_from(a.outerjoin(s, and_(s.c.application_id == a.c.id, s.c.tenant_id == a.c.tenant_id)))
            .where(a.c.tenant_id == tenant_id, a.c.id == client_id)
        )
    ).all()
    if not rows:
        return None
    first = rows[0]
    secrets = tuple((r.name, r.value, r.expires_at) for r in rows if r.name is not None)
    return ClientRecord(first.id, first.type, first.secret, secrets, first.custom_client_metadata or {})


@dataclass(frozen=True)
class ResourceGrant:
    indicator: str
    access_token_ttl: int
    granted: frozenset[str]


async def resource_grant(
    conn: AsyncConnection, tenant_id: str, app_id: str, indicator: str | None
) -> ResourceGrant | None:
    """The resource (or the tenant default when `indicator` is None) and the scopes the app's
    M2M roles hold on it. None when no such resource exists."""
    r, sc, rs, ar = T.resources, T.scopes, T.roles_scopes, T.applications_roles
    held = (
        select(rs.c.scope_id)
        .join(ar, and_(ar.c.role_id == rs.c.role_id, ar.c.tenant_id == rs.c.tenant_id))
        .where(ar.c.tenant_id == tenant_id, ar.c.application_id == app_id)
    )
    cond = r.c.indicator == indicator if indicator is not None else r.c.is_default.is_(True)
    rows = (
        await conn.execute(
            select(r.c.indicator, r.c.access_token_ttl, sc.c.name)
            .select_from(
                r.outerjoin(sc, and_(sc.c.resource_id == r.c.id, sc.c.id.in_(held)))
            )
            .where(r.c.tenant_id == tenant_id, cond)
        )
    ).all()
    if not rows:
        return None
    return ResourceGrant(
        rows[0].indicator, int(rows[0].access_token_ttl), frozenset(x.name for x in rows if x.name is not None)
    )
