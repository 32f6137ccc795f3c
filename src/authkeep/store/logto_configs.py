"""Logto's `logto_configs` rows that authkeep keeps in `system_settings` by Logto's key
(`jwt.accessToken`, `action.postSignIn`...), one JSON value each; and the user context a JWT
customizer script reads (Logto's `JwtCustomizerLibrary.getUserContext`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store import rows
from authkeep.store import tables as T

_s = T.system_settings


async def get_many(conn: AsyncConnection, tenant_id: str, keys: tuple[str, ...]) -> dict[str, Any]:
    found = await conn.execute(select(_s.c.key, _s.c.value).where(_s.c.tenant_id == tenant_id, _s.c.key.in_(keys)))
    return {r.key: r.value for r in found}


async def put(conn: AsyncConnection, tenant_id: str, key: str, value: Any) -> bool:
    """Store `value` under `key`; True when the row is new."""
    deleted = await conn.execute(_s.delete().where(_s.c.tenant_id == tenant_id, _s.c.key == key))
    await conn.execute(_s.insert().values(tenant_id=tenant_id, key=key, value=value))
    return deleted.rowcount == 0


async def delete(conn: AsyncConnection, tenant_id: str, key: str) -> bool:
    deleted = await conn.execute(_s.delete().where(_s.c.tenant_id == tenant_id, _s.c.key == key))
    return deleted.rowcount > 0


async def user_context(conn: AsyncConnection, tenant_id: str, user_id: str) -> dict[str, Any] | None:
    """The user's info with `hasPassword`, SSO identities, MFA factors, roles with their scopes
    (and each scope's resource), organizations and organization roles."""
    u = T.users
    row = (await conn.execute(select(*rows.USER_INFO_COLUMNS, u.c.mfa_verifications).where(u.c.tenant_id == tenant_id, u.c.id == user_id))).first()
    if row is None:
        return None
    user = rows.user_info(row)
    has_password = user.pop("hasPassword")
    user.pop("cimdClientId", None)
    sso = T.user_sso_identities
    found = await conn.execute(
        select(sso.c.issuer, sso.c.identity_id, sso.c.detail).where(sso.c.tenant_id == tenant_id, sso.c.user_id == user_id)
    )
    factors: list[str] = []
    for item in row.mfa_verifications or []:
        kind = item.get("type") if isinstance(item, dict) else None
        if isinstance(kind, str) and kind not in factors:
            factors.append(kind)
    user.update(
        hasPassword=has_password,
        ssoIdentities=[{"issuer": x.issuer, "identityId": x.identity_id, "detail": x.detail} for x in found],
        mfaVerificationFactors=factors,
        roles=await _roles(conn, tenant_id, user_id),
    )
    user.update(await _organizations(conn, tenant_id, user_id))
    return user


async def _roles(conn: AsyncConnection, tenant_id: str, user_id: str) -> list[dict[str, Any]]:
    r, ur, rs, sc, res = T.roles, T.users_roles, T.roles_scopes, T.scopes, T.resources
    role_rows = await conn.execute(
        select(r.c.id, r.c.name, r.c.description)
        .join(ur, and_(ur.c.role_id == r.c.id, ur.c.tenant_id == r.c.tenant_id))
        .where(ur.c.tenant_id == tenant_id, ur.c.user_id == user_id)
        .order_by(r.c.name)
    )
    roles = [{"id": x.id, "name": x.name, "description": x.description, "scopes": []} for x in role_rows]
    if not roles:
        return roles
    by_id = {role["id"]: role for role in roles}
    scope_rows = await conn.execute(
        select(rs.c.role_id, sc.c.id, sc.c.name, sc.c.description, sc.c.resource_id, *[c.label(f"res_{c.name}") for c in res.c])
        .join(sc, and_(sc.c.id == rs.c.scope_id, sc.c.tenant_id == rs.c.tenant_id))
        .join(res, and_(res.c.id == sc.c.resource_id, res.c.tenant_id == sc.c.tenant_id))
        .where(rs.c.tenant_id == tenant_id, rs.c.role_id.in_(list(by_id)))
        .order_by(sc.c.name)
    )
    for x in scope_rows:
        m = x._mapping
        resource = rows.resource({c.name: m[f"res_{c.name}"] for c in res.c})
        by_id[x.role_id]["scopes"].append(
            {"id": x.id, "name": x.name, "description": x.description, "resourceId": x.resource_id, "resource": resource}
        )
    return roles


async def _organizations(conn: AsyncConnection, tenant_id: str, user_id: str) -> dict[str, Any]:
    o, our = T.organizations, T.organization_user_relations
    orr, ourr = T.organization_roles, T.organization_role_user_relations
    org_rows = await conn.execute(
        select(o.c.id, o.c.name, o.c.description)
        .join(our, and_(our.c.organization_id == o.c.id, our.c.tenant_id == o.c.tenant_id))
        .where(our.c.tenant_id == tenant_id, our.c.user_id == user_id)
        .order_by(o.c.id)
    )
    role_rows = await conn.execute(
        select(ourr.c.organization_id, orr.c.id, orr.c.name)
        .join(orr, and_(orr.c.id == ourr.c.organization_role_id, orr.c.tenant_id == ourr.c.tenant_id))
        .where(ourr.c.tenant_id == tenant_id, ourr.c.user_id == user_id)
        .order_by(ourr.c.organization_id, orr.c.name)
    )
    return {
        "organizations": [{"id": x.id, "name": x.name, "description": x.description} for x in org_rows],
        "organizationRoles": [{"organizationId": x.organization_id, "roleId": x.id, "roleName": x.name} for x in role_rows],
    }


async def organization(conn: AsyncConnection, tenant_id: str, org_id: str) -> dict[str, Any] | None:
    o = T.organizations
    row = (
        await conn.execute(select(o.c.id, o.c.name, o.c.description, o.c.custom_data).where(o.c.tenant_id == tenant_id, o.c.id == org_id))
    ).first()
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "description": row.description, "customData": row.custom_data}


async def application(conn: AsyncConnection, tenant_id: str, app_id: str) -> dict[str, Any] | None:
    """The application without its secret (Logto's application context)."""
    a = T.applications
    row = (await conn.execute(select(a).where(a.c.tenant_id == tenant_id, a.c.id == app_id))).first()
    return rows.application(row) if row is not None else None
