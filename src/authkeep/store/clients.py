"""What the token endpoint needs from the database, in two prebuilt statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select

from authkeep.store import tables as T
from authkeep.store.db import Database

_a, _s = T.applications, T.application_secrets
_CLIENT = (
    select(_a.c.id, _a.c.type, _a.c.secret, _a.c.custom_client_metadata, _s.c.name, _s.c.value, _s.c.expires_at)
    .select_from(_a.outerjoin(_s, and_(_s.c.application_id == _a.c.id, _s.c.tenant_id == _a.c.tenant_id)))
    .where(_a.c.tenant_id == bindparam("tenant"), _a.c.id == bindparam("client"))
)

_r, _sc, _rs, _ar = T.resources, T.scopes, T.roles_scopes, T.applications_roles
_HELD = (
    select(_rs.c.scope_id)
    .join(_ar, and_(_ar.c.role_id == _rs.c.role_id, _ar.c.tenant_id == _rs.c.tenant_id))
    .where(_ar.c.tenant_id == bindparam("tenant"), _ar.c.application_id == bindparam("app"))
)
_GRANT = select(_r.c.indicator, _r.c.access_token_ttl, _sc.c.name).select_from(
    _r.outerjoin(_sc, and_(_sc.c.resource_id == _r.c.id, _sc.c.id.in_(_HELD.scalar_subquery())))
)
_GRANT_BY_INDICATOR = _GRANT.where(_r.c.tenant_id == bindparam("tenant"), _r.c.indicator == bindparam("indicator"))
_GRANT_DEFAULT = _GRANT.where(_r.c.tenant_id == bindparam("tenant"), _r.c.is_default.is_(True))


@dataclass(frozen=True)
class ClientRecord:
    id: str
    type: str
    sealed_secret: str
    secrets: tuple[tuple[str, str, int | None], ...]  # (name, sealed value, expires_at)
    custom_client_metadata: dict[str, object]


async def find_client(db: Database, tenant_id: str, client_id: str) -> ClientRecord | None:
    rows = await db.fetch(_CLIENT, {"tenant": tenant_id, "client": client_id})
    if not rows:
        return None
    first = rows[0]
    secrets = tuple((r["name"], r["value"], r["expires_at"]) for r in rows if r["name"] is not None)
    return ClientRecord(first["id"], first["type"], first["secret"], secrets, first["custom_client_metadata"] or {})


@dataclass(frozen=True)
class ResourceGrant:
    indicator: str
    access_token_ttl: int
    granted: frozenset[str]


async def resource_grant(db: Database, tenant_id: str, app_id: str, indicator: str | None) -> ResourceGrant | None:
    """The resource (or the tenant default when `indicator` is None) and the scopes the app's
    M2M roles hold on it. None when no such resource exists."""
    params = {"tenant": tenant_id, "app": app_id}
    if indicator is None:
        stmt = _GRANT_DEFAULT
    else:
        stmt, params["indicator"] = _GRANT_BY_INDICATOR, indicator
    rows = await db.fetch(stmt, params)
    if not rows:
        return None
    return ResourceGrant(
        rows[0]["indicator"], int(rows[0]["access_token_ttl"]), frozenset(x["name"] for x in rows if x["name"] is not None)
    )


# --- organization tokens (RFC 0006): what the app holds through its roles in one organization ---

_oar, _orar = T.organization_application_relations, T.organization_role_application_relations
_orsr, _os, _orrsr = T.organization_role_scope_relations, T.organization_scopes, T.organization_role_resource_scope_relations
_IN_ORG = and_(
    _orar.c.tenant_id == _oar.c.tenant_id,
    _orar.c.organization_id == _oar.c.organization_id,
    _orar.c.application_id == _oar.c.application_id,
)
# Membership and organization scopes in one statement: no row = not a member; scope ids order.
_ORG_SCOPES = (
    select(_oar.c.application_id, _os.c.id, _os.c.name)
    .select_from(
        _oar.outerjoin(_orar, _IN_ORG)
        .outerjoin(_orsr, and_(_orsr.c.organization_role_id == _orar.c.organization_role_id, _orsr.c.tenant_id == _orar.c.tenant_id))
        .outerjoin(_os, and_(_os.c.id == _orsr.c.organization_scope_id, _os.c.tenant_id == _orsr.c.tenant_id))
    )
    .where(_oar.c.tenant_id == bindparam("tenant"), _oar.c.organization_id == bindparam("org"), _oar.c.application_id == bindparam("app"))
    .order_by(_os.c.id)
)
_ORG_MEMBER = select(_oar.c.application_id).where(
    _oar.c.tenant_id == bindparam("tenant"), _oar.c.organization_id == bindparam("org"), _oar.c.application_id == bindparam("app")
)
_ORG_HELD = (
    select(_orrsr.c.scope_id)
    .join(_orar, and_(_orar.c.organization_role_id == _orrsr.c.organization_role_id, _orar.c.tenant_id == _orrsr.c.tenant_id))
    .where(_orar.c.tenant_id == bindparam("tenant"), _orar.c.organization_id == bindparam("org"), _orar.c.application_id == bindparam("app"))
)
_ORG_GRANT = (
    select(_r.c.indicator, _r.c.access_token_ttl, _sc.c.name)
    .select_from(_r.outerjoin(_sc, and_(_sc.c.resource_id == _r.c.id, _sc.c.id.in_(_ORG_HELD.scalar_subquery()))))
    .where(_r.c.tenant_id == bindparam("tenant"), _r.c.indicator == bindparam("indicator"))
)

ORGANIZATION_TOKEN_TTL = 3600


@dataclass(frozen=True)
class OrganizationGrant:
    """`indicator` None: an organization token (audience `urn:logto:organization:<id>`) whose
    `available` scopes are organization scopes in id order. Otherwise a resource token limited to
    the scopes the app's organization roles hold on that resource."""

    indicator: str | None
    access_token_ttl: int
    available: tuple[str, ...]


async def organization_grant(
    db: Database, tenant_id: str, app_id: str, org_id: str, indicator: str | None
) -> tuple[bool, OrganizationGrant | None]:
    """(is the app a member of the organization, its grant). The grant is None for non-members
    and for an unknown resource. One statement for organization tokens, two with a resource."""
    params = {"tenant": tenant_id, "org": org_id, "app": app_id}
    if indicator is None:
        rows = await db.fetch(_ORG_SCOPES, params)
        if not rows:
            return False, None
        names = tuple(dict.fromkeys(x["name"] for x in rows if x["name"] is not None))
        return True, OrganizationGrant(None, ORGANIZATION_TOKEN_TTL, names)
    if not await db.fetch(_ORG_MEMBER, params):
        return False, None
    rows = await db.fetch(_ORG_GRANT, {**params, "indicator": indicator})
    if not rows:
        return True, None
    names = tuple(dict.fromkeys(x["name"] for x in rows if x["name"] is not None))
    return True, OrganizationGrant(rows[0]["indicator"], int(rows[0]["access_token_ttl"]), names)
