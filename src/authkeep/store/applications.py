"""SQL for applications and everything hanging off them. Every query filters on tenant_id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import ids
from authkeep.paging import Page
from authkeep.search import Search
from authkeep.secretbox import SecretBox
from authkeep.store import roles as role_store
from authkeep.store import rows
from authkeep.store import tables as T
from authkeep.store.db import Database
from authkeep.store.management_api import ADMIN_ROLE_NAME, INTERNAL_PREFIX
from authkeep.store.search_sql import search_condition
from authkeep.store.user_scopes import USER_SCOPES

A = T.applications
# Searchable fields (snake_case): applications, and an application's roles.
SEARCH = {"id": A.c.id, "name": A.c.name, "description": A.c.description}
ROLE_SEARCH = role_store.SEARCH
EMPTY_OIDC = {"redirectUris": [], "postLogoutRedirectUris": []}

# --- wire shapes -------------------------------------------------------------------------------

_legacy: dict[str, str | None] = {}  # sealed secret -> legacy plaintext (None when internal)


def legacy_secret(row: Any, box: SecretBox) -> str | None:
    """Lists call this per row, so the (cheap but not free) AES-GCM open is memoised."""
    mapping = row if isinstance(row, dict) else row._mapping
    sealed = mapping["secret"]
    if sealed in _legacy:
        return _legacy[sealed]
    try:
        plain: str | None = box.open(sealed, aad=mapping["id"])
    except (ValueError, InvalidTag):  # unreadable (unknown key or not sealed): never shown
        plain = None
    value = plain if plain and not plain.startswith(INTERNAL_PREFIX) else None
    if len(_legacy) > 50_000:
        _legacy.clear()
    _legacy[sealed] = value
    return value


def json_safe(value: Any) -> Any:
    """PostgreSQL keeps JSON numbers exact, so 1e30 sent as a float reads back as an int wider
    than orjson can write; such ints go out as floats (the value the client sent)."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        try:
            return float(value)
        except OverflowError:
            return None
    return value


def app_out(row: Any, box: SecretBox) -> dict[str, Any]:
    out = rows.application(row, legacy_secret(row, box))
    for key in ("customClientMetadata", "protectedAppMetadata", "customData"):
        out[key] = json_safe(out[key])
    if out["type"] == "SAML":  # Logto hides OIDC metadata of SAML apps
        out["oidcClientMetadata"] = dict(EMPTY_OIDC)
    return out


def secret_out(row: Any, box: SecretBox) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "applicationId": row.application_id,
        "name": row.name,
        "value": box.open(row.value, aad=row.application_id),
        "createdAt": row.created_at,
        "expiresAt": row.expires_at,
    }


def organization_out(row: Any) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "customData": json_safe(row.custom_data),
        "isMfaRequired": row.is_mfa_required,
        "color": row.color,
        "branding": row.branding,
        "customCss": row.custom_css,
        "createdAt": row.created_at,
    }


def sign_in_experience_out(row: Any) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "applicationId": row.application_id,
        "color": row.color,
        "branding": row.branding,
        "customCss": row.custom_css,
        "termsOfUseUrl": row.terms_of_use_url,
        "privacyPolicyUrl": row.privacy_policy_url,
        "displayName": row.display_name,
    }


# --- helpers -----------------------------------------------------------------------------------


async def _insert_ignore(conn: AsyncConnection, table: Table, values: list[dict[str, Any]]) -> None:
    if not values:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(dialect.insert(table).on_conflict_do_nothing(), values)


async def _page(
    conn: AsyncConnection, base: Any, order: Sequence[Any], page: Page | None, count: Any = None
) -> tuple[list[Row[Any]], int]:
    """Rows of `base` (a select) in `order`, limited to `page`, and the total (one count query)."""
    stmt = base.order_by(*order)
    if page is not None:
        stmt = stmt.limit(page.limit).offset(page.offset)
    found = list((await conn.execute(stmt)).all())
    if page is None:
        return found, len(found)
    if count is None:
        count = select(func.count()).select_from(base.subquery())
    return found, int((await conn.execute(count)).scalar_one())


def _chunks(values: Iterable[str], size: int = 1000) -> Iterator[list[str]]:
    """Distinct values in slices, so no statement exceeds the drivers' bind-parameter limits."""
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


async def existing(conn: AsyncConnection, table: Table, tenant_id: str, wanted: Iterable[str]) -> dict[str, Row[Any]]:
    """Rows of `table` among the wanted ids, by id."""
    out: dict[str, Row[Any]] = {}
    for part in _chunks(wanted):
        found = await conn.execute(select(table).where(table.c.tenant_id == tenant_id, table.c.id.in_(part)))
        out.update((r.id, r) for r in found)
    return out


# --- applications ------------------------------------------------------------------------------


def _admin_exists(tenant_id: str) -> Any:
    ar, r = T.applications_roles, T.roles
    return (
        exists()
        .where(ar.c.tenant_id == tenant_id, ar.c.application_id == A.c.id, ar.c.role_id == r.c.id)
        .where(r.c.tenant_id == tenant_id, r.c.name == ADMIN_ROLE_NAME)
    )


async def find(
    conn: AsyncConnection, tenant_id: str, app_id: str, lock: bool = False, key_share: bool = False
) -> Row[Any] | None:
    """`lock`: FOR UPDATE; with `key_share`, FOR NO KEY UPDATE, which serialises changes to the
    app's links without blocking the foreign-key checks of links inserted from the other side."""
    stmt = select(A).where(A.c.tenant_id == tenant_id, A.c.id == app_id)
    if lock:
        stmt = stmt.with_for_update(key_share=key_share)
    return (await conn.execute(stmt)).first()


async def find_with_admin(conn: AsyncConnection, tenant_id: str, app_id: str) -> Row[Any] | None:
    stmt = select(A, _admin_exists(tenant_id).label("is_admin")).where(A.c.tenant_id == tenant_id, A.c.id == app_id)
    return (await conn.execute(stmt)).first()


def list_condition(
    tenant_id: str,
    *,
    types: list[str] | None,
    is_third_party: bool | None,
    exclude_role: str | None,
    exclude_org: str | None,
    search: Search,
    dialect: str,
) -> ColumnElement[bool] | None:
    """None when nothing filters beyond the tenant (the prebuilt fast path)."""
    conds: list[ColumnElement[bool]] = []
    if types:
        conds.append(A.c.type.in_(types))
    if is_third_party is not None:
        conds.append(A.c.is_third_party.is_(is_third_party))
    if exclude_role:
        ar = T.applications_roles
        conds.append(
            ~exists().where(ar.c.tenant_id == tenant_id, ar.c.application_id == A.c.id, ar.c.role_id == exclude_role)
        )
    if exclude_org:
        oar = T.organization_application_relations
        conds.append(
            ~exists().where(
                oar.c.tenant_id == tenant_id, oar.c.application_id == A.c.id, oar.c.organization_id == exclude_org
            )
        )
    if search:
        conds.append(search_condition(search, SEARCH, dialect))
    return and_(A.c.tenant_id == tenant_id, *conds) if conds else None


# The list is the hot path: one round trip for page and total (the count rides along as a
# scalar subquery), JSON columns come back as text for orjson (not the driver's json.loads), and
# the unfiltered statements are prebuilt.
_JSON = ("oidc_client_metadata", "custom_client_metadata", "protected_app_metadata", "custom_data")
_LIST_COLUMNS = [cast(c, Text).label(c.name) if c.name in _JSON else c for c in A.c]
_ORDER = (A.c.created_at.desc(), A.c.id.desc())
_ALL = A.c.tenant_id == bindparam("tenant")
_ALL_COUNT = select(func.count()).select_from(A).where(_ALL)
_ALL_PAGE = (
    select(*_LIST_COLUMNS, _ALL_COUNT.scalar_subquery().label("total"))
    .where(_ALL)
    .order_by(*_ORDER)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


async def list_apps(
    conn: AsyncConnection, tenant_id: str, cond: ColumnElement[bool] | None, page: Page | None
) -> tuple[list[Row[Any]], int]:
    """`cond` None: no filter beyond the tenant (the unfiltered page goes through `page_all`)."""
    where = A.c.tenant_id == tenant_id if cond is None else cond
    if page is None:
        found = list((await conn.execute(select(*_LIST_COLUMNS).where(where).order_by(*_ORDER))).all())
        return found, len(found)
    count = select(func.count()).select_from(A).where(where)
    stmt = select(*_LIST_COLUMNS, count.scalar_subquery().label("total")).where(where).order_by(*_ORDER)
    found = list((await conn.execute(stmt.limit(page.limit).offset(page.offset))).all())
    if found or not page.offset:
        return found, int(found[0].total) if found else 0
    return found, int((await conn.execute(count)).scalar_one())


async def page_all(db: Database, tenant_id: str, page: Page) -> tuple[list[dict[str, Any]], int]:
    """The unfiltered page, the benchmarked hot path: one prebuilt statement on the fast path."""
    found = await db.fetch(_ALL_PAGE, {"tenant": tenant_id, "limit": page.limit, "offset": page.offset})
    if found or not page.offset:
        return found, int(found[0]["total"]) if found else 0
    (count,) = (await db.fetch(_ALL_COUNT, {"tenant": tenant_id}))[0].values()
    return found, int(count)


def listed_app_out(row: Any, box: SecretBox) -> dict[str, Any]:
    """`app_out` for rows of `list_apps` (JSON columns as text)."""
    values = dict(row) if isinstance(row, dict) else dict(row._mapping)
    for name in _JSON:
        if values[name] is not None:  # orjson reads ints wider than 64 bits as floats, as json_safe
            values[name] = orjson.loads(values[name])
    out = rows.application(values, legacy_secret(row, box))
    if out["type"] == "SAML":
        out["oidcClientMetadata"] = dict(EMPTY_OIDC)
    return out


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    await conn.execute(A.insert().values(**values))
    found = await find(conn, values["tenant_id"], values["id"])
    assert found is not None
    return found


async def update_app(conn: AsyncConnection, tenant_id: str, app_id: str, values: dict[str, Any]) -> Row[Any]:
    if values:
        await conn.execute(update(A).where(A.c.tenant_id == tenant_id, A.c.id == app_id).values(**values))
    found = await find(conn, tenant_id, app_id)
    assert found is not None
    return found


async def delete_app(conn: AsyncConnection, tenant_id: str, app_id: str) -> None:
    await conn.execute(delete(A).where(A.c.tenant_id == tenant_id, A.c.id == app_id))


# --- roles of an application -------------------------------------------------------------------


async def admin_role_id(conn: AsyncConnection, tenant_id: str) -> str | None:
    r = T.roles
    return (
        await conn.execute(select(r.c.id).where(r.c.tenant_id == tenant_id, r.c.name == ADMIN_ROLE_NAME))
    ).scalar()


async def role_ids(conn: AsyncConnection, tenant_id: str, app_id: str) -> list[str]:
    ar = T.applications_roles
    found = await conn.execute(
        select(ar.c.role_id).where(ar.c.tenant_id == tenant_id, ar.c.application_id == app_id)
    )
    return list(found.scalars())


async def link_roles(conn: AsyncConnection, tenant_id: str, app_id: str, role_ids: list[str]) -> list[str]:
    """Links the roles not linked yet; returns those this statement linked (a link made meanwhile
    by a concurrent POST /roles/{id}/applications is not counted as added here)."""
    ar, added = T.applications_roles, set()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for part in _chunks(role_ids):
        rows = [{"tenant_id": tenant_id, "id": ids.standard_id(), "application_id": app_id, "role_id": r} for r in part]
        stmt = dialect.insert(ar).values(rows).on_conflict_do_nothing().returning(ar.c.role_id)
        added.update((await conn.execute(stmt)).scalars())
    return [r for r in role_ids if r in added]


async def unlink_roles(conn: AsyncConnection, tenant_id: str, app_id: str, role_ids: list[str]) -> int:
    ar, removed = T.applications_roles, 0
    for part in _chunks(role_ids):
        done = await conn.execute(
            delete(ar).where(ar.c.tenant_id == tenant_id, ar.c.application_id == app_id, ar.c.role_id.in_(part))
        )
        removed += int(done.rowcount)
    return removed


async def list_roles(
    conn: AsyncConnection, tenant_id: str, app_id: str, search: Search, page: Page
) -> tuple[list[Row[Any]], int]:
    r, ar = T.roles, T.applications_roles
    base = (
        select(r)
        .join(ar, and_(ar.c.role_id == r.c.id, ar.c.tenant_id == r.c.tenant_id))
        .where(
            r.c.tenant_id == tenant_id,
            ar.c.application_id == app_id,
            r.c.type == "MachineToMachine",
            func.substr(r.c.name, 1, len(INTERNAL_PREFIX)) != INTERNAL_PREFIX,
            search_condition(search, ROLE_SEARCH, conn.dialect.name),
        )
    )
    return await _page(conn, base, (r.c.created_at, r.c.id), page)


# --- secrets -----------------------------------------------------------------------------------

S = T.application_secrets


async def secrets(conn: AsyncConnection, tenant_id: str, app_id: str) -> list[Row[Any]]:
    found = await conn.execute(
        select(S).where(S.c.tenant_id == tenant_id, S.c.application_id == app_id).order_by(S.c.created_at, S.c.name)
    )
    return list(found.all())


async def find_secret(conn: AsyncConnection, tenant_id: str, app_id: str, name: str) -> Row[Any] | None:
    stmt = select(S).where(S.c.tenant_id == tenant_id, S.c.application_id == app_id, S.c.name == name)
    return (await conn.execute(stmt)).first()


async def insert_secret(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(S.insert().values(**values))


async def rename_secret(conn: AsyncConnection, tenant_id: str, app_id: str, name: str, new_name: str) -> None:
    await conn.execute(
        update(S)
        .where(S.c.tenant_id == tenant_id, S.c.application_id == app_id, S.c.name == name)
        .values(name=new_name)
    )


async def delete_secret(conn: AsyncConnection, tenant_id: str, app_id: str, name: str) -> int:
    done = await conn.execute(
        delete(S).where(S.c.tenant_id == tenant_id, S.c.application_id == app_id, S.c.name == name)
    )
    return int(done.rowcount)


# --- organizations of an application -----------------------------------------------------------


async def organizations(
    conn: AsyncConnection, tenant_id: str, app_id: str, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    o, oar = T.organizations, T.organization_application_relations
    base = (
        select(o)
        .join(oar, and_(oar.c.organization_id == o.c.id, oar.c.tenant_id == o.c.tenant_id))
        .where(oar.c.tenant_id == tenant_id, oar.c.application_id == app_id)
    )
    found, total = await _page(conn, base, (o.c.created_at, o.c.id), page)
    out = [organization_out(row) | {"organizationRoles": []} for row in found]
    if out:
        rel, role = T.organization_role_application_relations, T.organization_roles
        by_org = {item["id"]: item for item in out}
        held = await conn.execute(
            select(rel.c.organization_id, role.c.id, role.c.name)
            .join(role, and_(role.c.id == rel.c.organization_role_id, role.c.tenant_id == rel.c.tenant_id))
            .where(rel.c.tenant_id == tenant_id, rel.c.application_id == app_id, rel.c.organization_id.in_(by_org))
            .order_by(role.c.name, role.c.id)
        )
        for org_id, role_id, name in held:
            by_org[org_id]["organizationRoles"].append({"id": role_id, "name": name})
    return out, total


# --- access control ----------------------------------------------------------------------------

R = T.application_access_rules


async def access_rules(conn: AsyncConnection, tenant_id: str, app_id: str) -> dict[str, Any]:
    """Rules whose targets still exist (the rules table has no FKs to them)."""
    u, ro, o, orr = T.users, T.roles, T.organizations, T.organization_roles

    def alive(table: Table, column: Any) -> Any:
        return exists().where(table.c.tenant_id == R.c.tenant_id, table.c.id == column)

    live = or_(
        and_(R.c.kind == "user", alive(u, R.c.target_id)),
        and_(R.c.kind == "userRole", alive(ro, R.c.target_id)),
        and_(R.c.kind == "organization", alive(o, R.c.target_id)),
        and_(R.c.kind == "organizationRole", alive(o, R.c.organization_id), alive(orr, R.c.target_id)),
    )
    found = await conn.execute(
        select(R.c.kind, R.c.target_id, R.c.organization_id).where(
            R.c.tenant_id == tenant_id, R.c.application_id == app_id, live
        )
    )
    plain: dict[str, list[str]] = {"user": [], "userRole": [], "organization": []}
    org_roles: dict[str, list[str]] = {}
    for kind, target, org in found:
        if kind == "organizationRole":
            org_roles.setdefault(org, []).append(target)
        else:
            plain[kind].append(target)
    return {
        "userIds": sorted(plain["user"]),
        "userRoleIds": sorted(plain["userRole"]),
        "organizationIds": sorted(plain["organization"]),
        "organizationRoleRules": [
            {"organizationId": org, "organizationRoleIds": sorted(org_roles[org])} for org in sorted(org_roles)
        ],
    }


async def replace_access_rules(conn: AsyncConnection, tenant_id: str, app_id: str, rules: dict[str, Any]) -> None:
    await conn.execute(delete(R).where(R.c.tenant_id == tenant_id, R.c.application_id == app_id))
    base = {"tenant_id": tenant_id, "application_id": app_id, "organization_id": ""}
    values = [base | {"kind": "user", "target_id": x} for x in rules["userIds"]]
    values += [base | {"kind": "userRole", "target_id": x} for x in rules["userRoleIds"]]
    values += [base | {"kind": "organization", "target_id": x} for x in rules["organizationIds"]]
    for rule in rules["organizationRoleRules"]:
        values += [
            base | {"kind": "organizationRole", "target_id": x, "organization_id": rule["organizationId"]}
            for x in rule["organizationRoleIds"]
        ]
    if values:
        await conn.execute(R.insert(), values)


# --- user consent scopes -----------------------------------------------------------------------

CONSENT_TABLES = {
    "organization-scopes": (T.application_user_consent_organization_scopes, "organization_scope_id"),
    "resource-scopes": (T.application_user_consent_resource_scopes, "scope_id"),
    "organization-resource-scopes": (T.application_user_consent_organization_resource_scopes, "scope_id"),
    "user-scopes": (T.application_user_consent_user_scopes, "user_scope"),
}


async def scopes_with_indicator(conn: AsyncConnection, tenant_id: str, scope_ids: list[str]) -> dict[str, str]:
    """Existing resource scope ids -> their resource's indicator."""
    s, r, out = T.scopes, T.resources, {}
    for part in _chunks(scope_ids):
        found = await conn.execute(
            select(s.c.id, r.c.indicator)
            .join(r, and_(r.c.id == s.c.resource_id, r.c.tenant_id == s.c.tenant_id))
            .where(s.c.tenant_id == tenant_id, s.c.id.in_(part))
        )
        out.update((row.id, row.indicator) for row in found)
    return out


async def add_consent_scopes(
    conn: AsyncConnection, tenant_id: str, app_id: str, scope_type: str, values: list[str]
) -> None:
    table, column = CONSENT_TABLES[scope_type]
    await _insert_ignore(
        conn, table, [{"tenant_id": tenant_id, "application_id": app_id, column: v} for v in dict.fromkeys(values)]
    )


async def delete_consent_scope(conn: AsyncConnection, tenant_id: str, app_id: str, scope_type: str, value: str) -> int:
    table, column = CONSENT_TABLES[scope_type]
    done = await conn.execute(
        delete(table).where(table.c.tenant_id == tenant_id, table.c.application_id == app_id, table.c[column] == value)
    )
    return int(done.rowcount)


async def consent_scopes(conn: AsyncConnection, tenant_id: str, app_id: str) -> dict[str, Any]:
    os_, rel = T.organization_scopes, T.application_user_consent_organization_scopes
    org_scopes = await conn.execute(
        select(os_.c.id, os_.c.name, os_.c.description)
        .join(rel, and_(rel.c.organization_scope_id == os_.c.id, rel.c.tenant_id == os_.c.tenant_id))
        .where(rel.c.tenant_id == tenant_id, rel.c.application_id == app_id)
        .order_by(os_.c.name, os_.c.id)
    )
    users = T.application_user_consent_user_scopes
    user_scopes = await conn.execute(
        select(users.c.user_scope).where(users.c.tenant_id == tenant_id, users.c.application_id == app_id)
    )
    return {
        "organizationScopes": [{"id": r.id, "name": r.name, "description": r.description} for r in org_scopes],
        "resourceScopes": await _grouped_scopes(conn, tenant_id, app_id, T.application_user_consent_resource_scopes),
        "organizationResourceScopes": await _grouped_scopes(
            conn, tenant_id, app_id, T.application_user_consent_organization_resource_scopes
        ),
        "userScopes": sorted(user_scopes.scalars(), key=_user_scope_rank),
    }


def _user_scope_rank(scope: str) -> int:
    return USER_SCOPES.index(scope) if scope in USER_SCOPES else len(USER_SCOPES)


async def _grouped_scopes(conn: AsyncConnection, tenant_id: str, app_id: str, rel: Table) -> list[dict[str, Any]]:
    s, r = T.scopes, T.resources
    found = await conn.execute(
        select(s.c.id, s.c.name, s.c.description, r.c.id.label("rid"), r.c.name.label("rname"), r.c.indicator)
        .join(rel, and_(rel.c.scope_id == s.c.id, rel.c.tenant_id == s.c.tenant_id))
        .join(r, and_(r.c.id == s.c.resource_id, r.c.tenant_id == s.c.tenant_id))
        .where(rel.c.tenant_id == tenant_id, rel.c.application_id == app_id)
        .order_by(r.c.name, r.c.id, s.c.name, s.c.id)
    )
    groups: dict[str, dict[str, Any]] = {}
    for row in found:
        group = groups.setdefault(
            row.rid, {"resource": {"id": row.rid, "name": row.rname, "indicator": row.indicator}, "scopes": []}
        )
        group["scopes"].append({"id": row.id, "name": row.name, "description": row.description})
    return list(groups.values())


# --- application sign-in experience ------------------------------------------------------------

X = T.application_sign_in_experiences


async def sign_in_experience(conn: AsyncConnection, tenant_id: str, app_id: str) -> Row[Any] | None:
    stmt = select(X).where(X.c.tenant_id == tenant_id, X.c.application_id == app_id)
    return (await conn.execute(stmt)).first()


async def save_sign_in_experience(
    conn: AsyncConnection, tenant_id: str, app_id: str, values: dict[str, Any], exists_now: bool
) -> Row[Any]:
    if exists_now:
        if values:
            await conn.execute(update(X).where(X.c.tenant_id == tenant_id, X.c.application_id == app_id).values(**values))
    else:
        defaults = {"color": {}, "branding": {}}
        await conn.execute(X.insert().values(**(defaults | values), tenant_id=tenant_id, application_id=app_id))
    found = await sign_in_experience(conn, tenant_id, app_id)
    assert found is not None
    return found


# --- organizations a user consented to for an application --------------------------------------

C = T.application_user_consent_organizations


async def user_exists(conn: AsyncConnection, tenant_id: str, user_id: str) -> bool:
    u = T.users
    return (await conn.execute(select(u.c.id).where(u.c.tenant_id == tenant_id, u.c.id == user_id))).first() is not None


async def member_of(conn: AsyncConnection, tenant_id: str, user_id: str, org_ids: list[str]) -> set[str]:
    m, out = T.organization_user_relations, set()
    for part in _chunks(org_ids):
        found = await conn.execute(
            select(m.c.organization_id).where(
                m.c.tenant_id == tenant_id, m.c.user_id == user_id, m.c.organization_id.in_(part)
            )
        )
        out.update(found.scalars())
    return out


async def consent_organizations(
    conn: AsyncConnection, tenant_id: str, app_id: str, user_id: str, page: Page
) -> tuple[list[dict[str, Any]], int]:
    """Consents only count while the user is still a member (Logto's composite FK cascades them)."""
    o, m = T.organizations, T.organization_user_relations
    base = (
        select(o)
        .join(C, and_(C.c.organization_id == o.c.id, C.c.tenant_id == o.c.tenant_id))
        .join(m, and_(m.c.tenant_id == C.c.tenant_id, m.c.organization_id == C.c.organization_id, m.c.user_id == C.c.user_id))
        .where(C.c.tenant_id == tenant_id, C.c.application_id == app_id, C.c.user_id == user_id)
    )
    found, total = await _page(conn, base, (o.c.created_at, o.c.id), page)
    return [organization_out(r) for r in found], total


async def add_consent_organizations(
    conn: AsyncConnection, tenant_id: str, app_id: str, user_id: str, org_ids: list[str]
) -> None:
    await _insert_ignore(
        conn,
        C,
        [{"tenant_id": tenant_id, "application_id": app_id, "user_id": user_id, "organization_id": o} for o in org_ids],
    )


async def clear_consent_organizations(conn: AsyncConnection, tenant_id: str, app_id: str, user_id: str) -> None:
    await conn.execute(delete(C).where(C.c.tenant_id == tenant_id, C.c.application_id == app_id, C.c.user_id == user_id))


async def delete_consent_organization(
    conn: AsyncConnection, tenant_id: str, app_id: str, user_id: str, org_id: str
) -> int:
    done = await conn.execute(
        delete(C).where(
            C.c.tenant_id == tenant_id, C.c.application_id == app_id, C.c.user_id == user_id, C.c.organization_id == org_id
        )
    )
    return int(done.rowcount)
