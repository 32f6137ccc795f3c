"""What the OIDC provider reads about applications and users when people sign in: the client's
registration, the account's claims, its roles' scopes on a resource, the ID-token config and a
third-party app's consent scopes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store import tables as T

_a, _u = T.applications, T.users
ORG_RESOURCE = "urn:logto:resource:organizations"


async def find_app(conn: AsyncConnection, tenant_id: str, app_id: str) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            select(
                _a.c.id, _a.c.name, _a.c.description, _a.c.type, _a.c.is_third_party, _a.c.oidc_client_metadata,
                _a.c.custom_client_metadata,
            ).where(_a.c.tenant_id == tenant_id, _a.c.id == app_id)
        )
    ).first()  # fmt: skip
    return dict(row._mapping) if row is not None else None


async def app_names(conn: AsyncConnection, tenant_id: str, app_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not app_ids:
        return {}
    rows = await conn.execute(
        select(_a.c.id, _a.c.name, _a.c.is_third_party).where(_a.c.tenant_id == tenant_id, _a.c.id.in_(app_ids))
    )
    return {r.id: dict(r._mapping) for r in rows}


async def find_user(conn: AsyncConnection, tenant_id: str, user_id: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(_u).where(_u.c.tenant_id == tenant_id, _u.c.id == user_id))).first()
    return dict(row._mapping) if row is not None else None


async def remember_first_app(conn: AsyncConnection, tenant_id: str, user_id: str, app_id: str) -> None:
    """Logto keeps the first application a user consented to in `users.application_id`."""
    await conn.execute(
        update(_u)
        .where(_u.c.tenant_id == tenant_id, _u.c.id == user_id, _u.c.application_id.is_(None))
        .values(application_id=app_id)
    )


async def role_names(conn: AsyncConnection, tenant_id: str, user_id: str) -> list[str]:
    r, ur = T.roles, T.users_roles
    rows = await conn.execute(
        select(r.c.name)
        .join(ur, and_(ur.c.role_id == r.c.id, ur.c.tenant_id == r.c.tenant_id))
        .where(ur.c.tenant_id == tenant_id, ur.c.user_id == user_id)
        .order_by(r.c.name)
    )
    return [x.name for x in rows]


async def sso_identities(conn: AsyncConnection, tenant_id: str, user_id: str) -> list[dict[str, Any]]:
    s = T.user_sso_identities
    rows = await conn.execute(
        select(s.c.issuer, s.c.identity_id, s.c.detail).where(s.c.tenant_id == tenant_id, s.c.user_id == user_id)
    )
    return [{"issuer": x.issuer, "identityId": x.identity_id, "detail": x.detail} for x in rows]


async def resource_scopes(
    conn: AsyncConnection, tenant_id: str, user_id: str, indicator: str
) -> tuple[int, set[str]] | None:
    """(access token TTL, the scopes the user's roles hold on the resource); None: no such resource."""
    res, sc, rs, ur = T.resources, T.scopes, T.roles_scopes, T.users_roles
    found = (
        await conn.execute(select(res.c.id, res.c.access_token_ttl).where(res.c.tenant_id == tenant_id, res.c.indicator == indicator))
    ).first()
    if found is None:
        return None
    held = (
        select(rs.c.scope_id)
        .join(ur, and_(ur.c.role_id == rs.c.role_id, ur.c.tenant_id == rs.c.tenant_id))
        .where(ur.c.tenant_id == tenant_id, ur.c.user_id == user_id)
    )
    rows = await conn.execute(
        select(sc.c.name).where(sc.c.tenant_id == tenant_id, sc.c.resource_id == found.id, sc.c.id.in_(held.scalar_subquery()))
    )
    return int(found.access_token_ttl), {x.name for x in rows}


async def default_resource(conn: AsyncConnection, tenant_id: str) -> str | None:
    res = T.resources
    row = (
        await conn.execute(select(res.c.indicator).where(res.c.tenant_id == tenant_id, res.c.is_default.is_(True)))
    ).first()
    return row.indicator if row is not None else None


async def id_token_claims(conn: AsyncConnection, tenant_id: str) -> list[str]:
    """`enabledExtendedClaims` of the stored ID-token config; none when nothing was stored (what a
    Logto 1.42 tenant was seen doing)."""
    s = T.system_settings
    row = (await conn.execute(select(s.c.value).where(s.c.tenant_id == tenant_id, s.c.key == "idToken"))).first()
    value = row.value if row is not None else None
    claims = value.get("enabledExtendedClaims") if isinstance(value, dict) else None
    return [c for c in claims if isinstance(c, str)] if isinstance(claims, list) else []


async def consent_scopes(conn: AsyncConnection, tenant_id: str, app_id: str) -> tuple[set[str], dict[str, set[str]]]:
    """A third-party app's allowed (user scopes, {indicator: resource scopes})."""
    us, rs = T.application_user_consent_user_scopes, T.application_user_consent_resource_scopes
    user = await conn.execute(select(us.c.user_scope).where(us.c.tenant_id == tenant_id, us.c.application_id == app_id))
    res, sc = T.resources, T.scopes
    rows = await conn.execute(
        select(res.c.indicator, sc.c.name)
        .select_from(rs.join(sc, and_(sc.c.id == rs.c.scope_id, sc.c.tenant_id == rs.c.tenant_id)))
        .join(res, and_(res.c.id == sc.c.resource_id, res.c.tenant_id == sc.c.tenant_id))
        .where(rs.c.tenant_id == tenant_id, rs.c.application_id == app_id)
    )
    resources: dict[str, set[str]] = {}
    for x in rows:
        resources.setdefault(x.indicator, set()).add(x.name)
    cos, os_ = T.application_user_consent_organization_scopes, T.organization_scopes
    org_rows = await conn.execute(
        select(os_.c.name)
        .join(cos, and_(cos.c.organization_scope_id == os_.c.id, cos.c.tenant_id == os_.c.tenant_id))
        .where(cos.c.tenant_id == tenant_id, cos.c.application_id == app_id)
    )
    resources[ORG_RESOURCE] = {x.name for x in org_rows}
    return {x.user_scope for x in user}, resources


async def organizations_of(
    conn: AsyncConnection, tenant_id: str, user_id: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """([{id, name, description}] of the user's organizations, ["<orgId>:<roleName>"])."""
    o, our = T.organizations, T.organization_user_relations
    orr, ourr = T.organization_roles, T.organization_role_user_relations
    rows = await conn.execute(
        select(o.c.id, o.c.name, o.c.description)
        .join(our, and_(our.c.organization_id == o.c.id, our.c.tenant_id == o.c.tenant_id))
        .where(our.c.tenant_id == tenant_id, our.c.user_id == user_id)
        .order_by(o.c.id)
    )
    orgs = [{"id": x.id, "name": x.name, "description": x.description} for x in rows]
    role_rows = await conn.execute(
        select(ourr.c.organization_id, orr.c.name)
        .join(orr, and_(orr.c.id == ourr.c.organization_role_id, orr.c.tenant_id == ourr.c.tenant_id))
        .where(ourr.c.tenant_id == tenant_id, ourr.c.user_id == user_id)
        .order_by(ourr.c.organization_id, orr.c.name)
    )
    return orgs, [f"{x.organization_id}:{x.name}" for x in role_rows]


async def scope_details(
    conn: AsyncConnection, tenant_id: str, indicator: str, names: list[str]
) -> dict[str, Any] | None:
    """`{resource: {id, name, indicator}, scopes: [{id, name, description}]}` for the consent page."""
    res, sc = T.resources, T.scopes
    found = (
        await conn.execute(select(res.c.id, res.c.name, res.c.indicator).where(res.c.tenant_id == tenant_id, res.c.indicator == indicator))
    ).first()
    if found is None:
        return None
    rows = await conn.execute(
        select(sc.c.id, sc.c.name, sc.c.description)
        .where(sc.c.tenant_id == tenant_id, sc.c.resource_id == found.id, sc.c.name.in_(names))
        .order_by(sc.c.name)
    )
    return {"resource": dict(found._mapping), "scopes": [dict(x._mapping) for x in rows]}


async def organization_scopes(
    conn: AsyncConnection, tenant_id: str, user_id: str, org_id: str | None
) -> tuple[bool, set[str]]:
    """(is the user a member of the organization, the organization scopes their roles there
    hold). `org_id` None: membership of any organization and the scopes across all of them."""
    our, ourr = T.organization_user_relations, T.organization_role_user_relations
    orsr, os_ = T.organization_role_scope_relations, T.organization_scopes
    member_q = select(our.c.organization_id).where(our.c.tenant_id == tenant_id, our.c.user_id == user_id)
    if org_id is not None:
        member_q = member_q.where(our.c.organization_id == org_id)
    member = (await conn.execute(member_q.limit(1))).first() is not None
    q = (
        select(os_.c.name)
        .select_from(
            ourr.join(orsr, and_(orsr.c.organization_role_id == ourr.c.organization_role_id, orsr.c.tenant_id == ourr.c.tenant_id))
            .join(os_, and_(os_.c.id == orsr.c.organization_scope_id, os_.c.tenant_id == orsr.c.tenant_id))
        )
        .where(ourr.c.tenant_id == tenant_id, ourr.c.user_id == user_id)
    )
    if org_id is not None:
        q = q.where(ourr.c.organization_id == org_id)
    return member, {x.name for x in await conn.execute(q)}
