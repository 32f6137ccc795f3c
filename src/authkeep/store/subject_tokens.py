"""SQL for impersonation subject tokens (store/tables_subject_tokens.py) and what the token
exchange grant reads: personal access tokens by value, a user's scopes on a resource (their roles'
and their organization roles'), an organization's MFA requirement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, and_, delete, select, union, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store import tables as T
from authkeep.store.tables_subject_tokens import subject_tokens as S


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(S.insert().values(**values))


async def find(conn: AsyncConnection, tenant_id: str, token_id: str) -> Row[Any] | None:
    return (await conn.execute(select(S).where(S.c.tenant_id == tenant_id, S.c.id == token_id))).first()


async def consume(conn: AsyncConnection, tenant_id: str, token_id: str, now_ms: int) -> bool:
    """Marks the token used; False when another request used it first or it has expired."""
    result = await conn.execute(
        update(S)
        .where(S.c.tenant_id == tenant_id, S.c.id == token_id, S.c.consumed_at.is_(None), S.c.expires_at > now_ms)
        .values(consumed_at=now_ms)
    )
    return bool(result.rowcount)


async def sweep(conn: AsyncConnection, before_ms: int) -> int:
    result = await conn.execute(delete(S).where(S.c.expires_at <= before_ms))
    return int(result.rowcount or 0)


async def user_exists(conn: AsyncConnection, tenant_id: str, user_id: str) -> bool:
    u = T.users
    return (await conn.execute(select(u.c.id).where(u.c.tenant_id == tenant_id, u.c.id == user_id))).first() is not None


async def pat_by_hash(conn: AsyncConnection, tenant_id: str, value_hash: str) -> Row[Any] | None:
    p = T.personal_access_tokens
    stmt = select(p.c.user_id, p.c.expires_at).where(p.c.tenant_id == tenant_id, p.c.value_hash == value_hash)
    return (await conn.execute(stmt.limit(1))).first()


async def resource_scopes(
    conn: AsyncConnection, tenant_id: str, user_id: str, indicator: str, org_id: str | None
) -> tuple[int, set[str]] | None:
    """(access token TTL, scope names) the user holds on the resource through their roles and
    their organization roles (only that organization's when `org_id` is given); None: no such
    resource (Logto's findUserScopesForResourceIndicator with findFromOrganizations)."""
    res, sc = T.resources, T.scopes
    found = (
        await conn.execute(
            select(res.c.id, res.c.access_token_ttl).where(res.c.tenant_id == tenant_id, res.c.indicator == indicator)
        )
    ).first()
    if found is None:
        return None
    rs, ur = T.roles_scopes, T.users_roles
    direct = (
        select(rs.c.scope_id)
        .join(ur, and_(ur.c.role_id == rs.c.role_id, ur.c.tenant_id == rs.c.tenant_id))
        .where(ur.c.tenant_id == tenant_id, ur.c.user_id == user_id)
    )
    orrs, ourr = T.organization_role_resource_scope_relations, T.organization_role_user_relations
    via_orgs = (
        select(orrs.c.scope_id)
        .join(ourr, and_(ourr.c.organization_role_id == orrs.c.organization_role_id, ourr.c.tenant_id == orrs.c.tenant_id))
        .where(ourr.c.tenant_id == tenant_id, ourr.c.user_id == user_id)
    )
    if org_id is not None:
        via_orgs = via_orgs.where(ourr.c.organization_id == org_id)
    held = union(direct, via_orgs).subquery()
    rows = await conn.execute(
        select(sc.c.name).where(sc.c.tenant_id == tenant_id, sc.c.resource_id == found.id, sc.c.id.in_(select(held.c.scope_id)))
    )
    return int(found.access_token_ttl), {x.name for x in rows}


async def organization_requires_mfa(conn: AsyncConnection, tenant_id: str, org_id: str) -> bool:
    o = T.organizations
    row = (await conn.execute(select(o.c.is_mfa_required).where(o.c.tenant_id == tenant_id, o.c.id == org_id))).first()
    return bool(row is not None and row.is_mfa_required)
