"""SQL for organizations: the entity, user and application members with their organization
roles, and just-in-time provisioning rules. Every statement filters on `tenant_id`; paged lists
run a fixed number of statements whatever the page size (no N+1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    literal_column,
        or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.paging import Page
from authkeep.secretbox import SecretBox
from authkeep.store import rows
from authkeep.store import tables as T
from authkeep.store.db import Database

O = T.organizations
OUR = T.organization_user_relations
ORUR = T.organization_role_user_relations
OAR = T.organization_application_relations
ORAR = T.organization_role_application_relations
OR = T.organization_roles
U = T.users
A = T.applications

ORGANIZATION_TABLE = "organizations"
# Chunk size for multi-row inserts: keeps every statement far below driver parameter limits.
_CHUNK = 500


# --- shared helpers ------------------------------------------------------------------------------


def organization_out(row: Any) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "customData": row.custom_data,
        "isMfaRequired": row.is_mfa_required,
        "color": row.color,
        "branding": row.branding,
        "customCss": row.custom_css,
        "createdAt": row.created_at,
    }


def role_out(row: Any) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "type": row.type,
    }


def like(column: Any, keyword: str) -> ColumnElement[bool]:
    """SchemaRouter's `q`: `column ILIKE '%kw%'` (the keyword's own `%`/`_` are not escaped)."""
    return column.ilike(f"%{keyword}%", escape="\\")


def q_condition(columns: Sequence[Any], keyword: str | None) -> ColumnElement[bool] | None:
    if not keyword:
        return None
    return or_(*(like(c, keyword) for c in columns))


async def insert_ignore(conn: AsyncConnection, table: Table, values: list[dict[str, Any]]) -> None:
    """Multi-row INSERT … ON CONFLICT DO NOTHING (re-adding is not an error, as in Logto). Rows
    go in primary-key order so concurrent writers lock them in the same order."""
    if not values:
        return
    keys = [c.name for c in table.primary_key.columns]
    values = sorted({tuple(v[k] for k in keys): v for v in values}.values(), key=lambda v: [v[k] for k in keys])
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        await conn.execute(dialect.insert(table).values(chunk).on_conflict_do_nothing())


async def page_of(
    conn: AsyncConnection, stmt: Any, count: Any, page: Page | None
) -> tuple[list[Row[Any]], int]:
    """Rows of `stmt` (already ordered) limited to `page`, and the total from `count`."""
    if page is not None:
        stmt = stmt.limit(page.limit).offset(page.offset)
    found = list((await conn.execute(stmt)).all())
    if page is None:
        return found, len(found)
    return found, int((await conn.execute(count)).scalar_one())


async def linked_page(
    conn: AsyncConnection, link: Table, column: str, target: Table, order: Any, cond: list[Any], page: Page | None
) -> tuple[list[Row[Any]], int]:
    """A page of `target` rows reached through `link.<column>`, ordered by `order` then id."""
    joined = link.join(target, and_(target.c.id == link.c[column], target.c.tenant_id == link.c.tenant_id))
    stmt = select(target).select_from(joined).where(*cond).order_by(order, target.c.id)
    count = select(func.count()).select_from(joined).where(*cond)
    return await page_of(conn, stmt, count, page)


async def _among(
    conn: AsyncConnection, link: Table, column: str, tenant_id: str, org_id: str, ids: list[str]
) -> set[str]:
    """Which of `ids` are members of the organization through `link.<column>`."""
    if not ids:
        return set()
    found = await conn.execute(
        select(link.c[column]).where(
            link.c.tenant_id == tenant_id, link.c.organization_id == org_id, link.c[column].in_(ids)
        )
    )
    return {r[0] for r in found}


async def types_of(conn: AsyncConnection, table: Table, tenant_id: str, ids: Iterable[str]) -> dict[str, str]:
    """id -> type for the existing rows among `ids` (roles, organization roles, applications)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    found = await conn.execute(
        select(table.c.id, table.c.type).where(table.c.tenant_id == tenant_id, table.c.id.in_(wanted))
    )
    return {r.id: r.type for r in found}


async def existing_ids(conn: AsyncConnection, table: Table, tenant_id: str, ids: Iterable[str]) -> set[str]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return set()
    found = await conn.execute(select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.id.in_(wanted)))
    return {r.id for r in found}


# --- organizations ---------------------------------------------------------------------------------


async def insert_organization(conn: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    return (await conn.execute(O.insert().values(values).returning(*O.c))).one()


async def find_organization(conn: AsyncConnection, tenant_id: str, org_id: str) -> Row[Any] | None:
    return (await conn.execute(select(O).where(O.c.tenant_id == tenant_id, O.c.id == org_id))).first()


async def lock_organization(conn: AsyncConnection, tenant_id: str, org_id: str) -> bool:
    """Serialises writers of one organization's relations (PostgreSQL; SQLite writes are already
    serial). `FOR NO KEY UPDATE` leaves FK checks of other writers unblocked."""
    stmt = select(O.c.id).where(O.c.tenant_id == tenant_id, O.c.id == org_id).with_for_update(key_share=True)
    return (await conn.execute(stmt)).first() is not None


async def organization_exists(conn: AsyncConnection, tenant_id: str, org_id: str) -> bool:
    stmt = select(literal(1)).where(O.c.tenant_id == tenant_id, O.c.id == org_id)
    return (await conn.execute(stmt)).first() is not None


async def update_organization(
    conn: AsyncConnection, tenant_id: str, org_id: str, values: dict[str, Any]
) -> Row[Any] | None:
    if not values:
        return await find_organization(conn, tenant_id, org_id)
    stmt = update(O).where(O.c.tenant_id == tenant_id, O.c.id == org_id).values(values).returning(*O.c)
    return (await conn.execute(stmt)).first()


async def delete_organization(conn: AsyncConnection, tenant_id: str, org_id: str) -> bool:
    """Every relation (members, their roles, apps, invitations, JIT rules) goes by FK cascade;
    the member count row after it (the cascade's trigger has just written it)."""
    result = await conn.execute(delete(O).where(O.c.tenant_id == tenant_id, O.c.id == org_id))
    await conn.execute(delete(MB).where(MB.c.tenant_id == tenant_id, MB.c.organization_id == org_id))
    return result.rowcount > 0


async def list_organizations(
    conn: AsyncConnection, tenant_id: str, keyword: str | None, page: Page
) -> tuple[list[Row[Any]], int]:
    cond = [O.c.tenant_id == tenant_id]
    search = q_condition((O.c.id, O.c.name), keyword)
    if search is not None:
        cond.append(search)
    stmt = select(O).where(*cond).order_by(O.c.created_at, O.c.id)
    count = select(func.count()).select_from(O).where(*cond)
    return await page_of(conn, stmt, count, page)


async def featured_members(
    conn: AsyncConnection, tenant_id: str, org_ids: list[str]
) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    """`showFeatured`: member counts and up to three members per organization, in two statements."""
    counts: dict[str, int] = dict.fromkeys(org_ids, 0)
    featured: dict[str, list[dict[str, Any]]] = {o: [] for o in org_ids}
    if not org_ids:
        return counts, featured
    mb = T.organization_member_buckets  # maintained counts: no count(*) over large organizations
    found = await conn.execute(
        select(mb.c.organization_id, func.sum(mb.c.n))
        .where(mb.c.tenant_id == tenant_id, mb.c.organization_id.in_(org_ids))
        .group_by(mb.c.organization_id)
    )
    counts.update({r[0]: int(r[1]) for r in found})
    parts = []
    for org_id in org_ids:
        if not counts[org_id]:
            continue
        firsts = (
            select(OUR.c.user_id)
            .where(OUR.c.tenant_id == tenant_id, OUR.c.organization_id == org_id)
            .order_by(OUR.c.user_id)
            .limit(3)
            .subquery()
        )
        parts.append(
            select(literal(org_id).label("org"), U.c.id, U.c.avatar, U.c.name)
            .select_from(firsts.join(U, and_(U.c.id == firsts.c.user_id, U.c.tenant_id == tenant_id)))
        )
    if parts:
        stmt = union_all(*parts) if len(parts) > 1 else parts[0]
        for r in await conn.execute(stmt):
            featured[r.org].append({"id": r.id, "avatar": r.avatar, "name": r.name})
        for users in featured.values():
            users.sort(key=lambda u: u["id"])
    return counts, featured


# --- user members ------------------------------------------------------------------------------------

USER_Q_FIELDS = (U.c.id, U.c.primary_email, U.c.primary_phone, U.c.username, U.c.name)


MB = T.organization_member_buckets
_T, _O = bindparam("tenant"), bindparam("org")
_MEMBER_BUCKETS = (
    select(MB.c.bucket, MB.c.n).where(MB.c.tenant_id == _T, MB.c.organization_id == _O, MB.c.n > literal_column("0")).order_by(MB.c.bucket)
)
# Buckets whose order is the same under every collation (C, glibc, ICU): a position found by
# summing them is exact. Ids authkeep generates always qualify; anything else takes the
# plain offset path.
_PLAIN_BUCKETS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def _member_page(descending: bool = False, from_bucket: bool = False) -> Any:
    """One page of members with their roles in one statement: the page of user ids comes from the
    membership index alone (skipping index entries, not joined rows), then the users and their
    roles in this organization for those ids only (≤ page size × roles rows)."""
    cond = [OUR.c.tenant_id == _T, OUR.c.organization_id == _O]
    if from_bucket:
        cond.append(OUR.c.user_id >= bindparam("from"))
    ids = (
        select(OUR.c.user_id)
        .where(*cond)
        .order_by(OUR.c.user_id.desc() if descending else OUR.c.user_id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    joined = (
        ids.join(U, and_(U.c.id == ids.c.user_id, U.c.tenant_id == _T))
        .outerjoin(ORUR, and_(ORUR.c.tenant_id == _T, ORUR.c.organization_id == _O, ORUR.c.user_id == ids.c.user_id))
        .outerjoin(OR, and_(OR.c.id == ORUR.c.organization_role_id, OR.c.tenant_id == ORUR.c.tenant_id))
    )
    return (
        select(*rows.USER_INFO_COLUMNS, OR.c.id.label("role_id"), OR.c.name.label("role_name"))
        .select_from(joined)
        .order_by(U.c.id, OR.c.name, OR.c.id)
    )


_MEMBER_PAGE = _member_page()
_MEMBER_PAGE_FROM_END = _member_page(descending=True)
_MEMBER_PAGE_FROM_BUCKET = _member_page(from_bucket=True)


def _members_out(found: Iterable[Any]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in found:
        member = out.get(r["id"])
        if member is None:
            info = rows.user_info(r)
            del info["hasPassword"]  # Logto's member rows carry user info without it
            member = out[r["id"]] = {**info, "organizationRoles": []}
        if r["role_id"] is not None:
            member["organizationRoles"].append({"id": r["role_id"], "name": r["role_name"]})
    return list(out.values())


async def list_members(
    db: Database,
    tenant_id: str,
    org_id: str,
    page: Page,
    keyword: str | None,
    role_id: str | None,
) -> tuple[list[dict[str, Any]], int]:
    """Members ordered by user id, each with its organization roles (Logto's order)."""
    if keyword or role_id:
        async with db.read() as conn:
            return await _filtered_members(conn, tenant_id, org_id, page, keyword, role_id)
    params: dict[str, Any] = {"tenant": tenant_id, "org": org_id}
    buckets = [(r["bucket"], int(r["n"])) for r in await db.fetch(_MEMBER_BUCKETS, params)]
    total = sum(n for _, n in buckets)
    if page.offset >= total:
        return [], total
    params["limit"] = page.limit
    if all(b in _PLAIN_BUCKETS for b, _ in buckets):
        # Skip whole buckets by their counts; scan only inside the one the page starts in.
        before = 0
        for bucket, n in buckets:
            if before + n > page.offset:
                break
            before += n
        stmt, params["from"], params["offset"] = _MEMBER_PAGE_FROM_BUCKET, bucket, page.offset - before
    elif page.offset * 2 <= total:
        stmt, params["offset"] = _MEMBER_PAGE, page.offset
    else:  # the second half is nearer from the end of the index
        end = min(page.offset + page.limit, total)
        stmt, params["offset"], params["limit"] = _MEMBER_PAGE_FROM_END, total - end, end - page.offset
    return _members_out(await db.fetch(stmt, params)), total


async def _filtered_members(
    conn: AsyncConnection,
    tenant_id: str,
    org_id: str,
    page: Page,
    keyword: str | None,
    role_id: str | None,
) -> tuple[list[dict[str, Any]], int]:
    cond: list[Any] = [OUR.c.tenant_id == tenant_id, OUR.c.organization_id == org_id]
    if role_id:
        cond.append(
            exists().where(
                ORUR.c.tenant_id == tenant_id,
                ORUR.c.organization_id == org_id,
                ORUR.c.user_id == OUR.c.user_id,
                ORUR.c.organization_role_id == role_id,
            )
        )
    search = q_condition(USER_Q_FIELDS, keyword)
    source: Any = OUR
    if search is not None:
        source = OUR.join(U, and_(U.c.id == OUR.c.user_id, U.c.tenant_id == OUR.c.tenant_id))
        cond.append(search)
    ids_stmt = (
        select(OUR.c.user_id)
        .select_from(source)
        .where(*cond)
        .order_by(OUR.c.user_id)
        .limit(page.limit)
        .offset(page.offset)
    )
    user_ids = [r[0] for r in await conn.execute(ids_stmt)]
    total = int((await conn.execute(select(func.count()).select_from(source).where(*cond))).scalar_one())
    if not user_ids:
        return [], total
    found = await conn.execute(
        select(*rows.USER_INFO_COLUMNS, OR.c.id.label("role_id"), OR.c.name.label("role_name"))
        .select_from(
            U.outerjoin(
                ORUR,
                and_(ORUR.c.tenant_id == tenant_id, ORUR.c.organization_id == org_id, ORUR.c.user_id == U.c.id),
            ).outerjoin(OR, and_(OR.c.id == ORUR.c.organization_role_id, OR.c.tenant_id == ORUR.c.tenant_id))
        )
        .where(U.c.tenant_id == tenant_id, U.c.id.in_(user_ids))
        .order_by(U.c.id, OR.c.name, OR.c.id)
    )
    return _members_out(r._mapping for r in found), total


async def is_member(conn: AsyncConnection, tenant_id: str, org_id: str, user_id: str) -> bool:
    stmt = select(literal(1)).where(
        OUR.c.tenant_id == tenant_id, OUR.c.organization_id == org_id, OUR.c.user_id == user_id
    )
    return (await conn.execute(stmt)).first() is not None


async def is_member_by_email(conn: AsyncConnection, tenant_id: str, org_id: str, email: str) -> bool:
    """Logto's `isMember(organizationId, email)`: exact (case-sensitive) primary e-mail match."""
    stmt = (
        select(literal(1))
        .select_from(OUR.join(U, and_(U.c.id == OUR.c.user_id, U.c.tenant_id == OUR.c.tenant_id)))
        .where(OUR.c.tenant_id == tenant_id, OUR.c.organization_id == org_id, U.c.primary_email == email)
    )
    return (await conn.execute(stmt)).first() is not None


async def add_members(conn: AsyncConnection, tenant_id: str, org_id: str, user_ids: Iterable[str]) -> None:
    await insert_ignore(
        conn, OUR, [{"tenant_id": tenant_id, "organization_id": org_id, "user_id": u} for u in user_ids]
    )


async def replace_members(conn: AsyncConnection, tenant_id: str, org_id: str, user_ids: list[str]) -> None:
    """Logto's `replaceWithDelta`: only departing members are deleted (their roles with them);
    staying members keep their roles."""
    cond = [OUR.c.tenant_id == tenant_id, OUR.c.organization_id == org_id]
    if user_ids:
        cond.append(OUR.c.user_id.not_in(user_ids))
    await conn.execute(delete(OUR).where(*cond))
    await add_members(conn, tenant_id, org_id, user_ids)


async def remove_member(conn: AsyncConnection, tenant_id: str, org_id: str, user_id: str) -> bool:
    result = await conn.execute(
        delete(OUR).where(OUR.c.tenant_id == tenant_id, OUR.c.organization_id == org_id, OUR.c.user_id == user_id)
    )
    return result.rowcount > 0


async def members_among(conn: AsyncConnection, tenant_id: str, org_id: str, user_ids: list[str]) -> set[str]:
    return await _among(conn, OUR, "user_id", tenant_id, org_id, user_ids)


async def member_roles(
    conn: AsyncConnection, tenant_id: str, org_id: str, user_id: str, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    cond = [ORUR.c.tenant_id == tenant_id, ORUR.c.organization_id == org_id, ORUR.c.user_id == user_id]
    found, total = await linked_page(conn, ORUR, "organization_role_id", OR, OR.c.name, cond, page)
    return [role_out(r) for r in found], total


async def add_member_roles(
    conn: AsyncConnection, tenant_id: str, org_id: str, pairs: Iterable[tuple[str, str]]
) -> None:
    """`pairs` are (user id, organization role id)."""
    await insert_ignore(
        conn,
        ORUR,
        [
            {"tenant_id": tenant_id, "organization_id": org_id, "organization_role_id": r, "user_id": u}
            for u, r in pairs
        ],
    )


async def replace_member_roles(
    conn: AsyncConnection, tenant_id: str, org_id: str, user_id: str, role_ids: list[str]
) -> None:
    await conn.execute(
        delete(ORUR).where(
            ORUR.c.tenant_id == tenant_id, ORUR.c.organization_id == org_id, ORUR.c.user_id == user_id
        )
    )
    await add_member_roles(conn, tenant_id, org_id, [(user_id, r) for r in role_ids])


async def remove_member_role(conn: AsyncConnection, tenant_id: str, org_id: str, user_id: str, role_id: str) -> bool:
    result = await conn.execute(
        delete(ORUR).where(
            ORUR.c.tenant_id == tenant_id,
            ORUR.c.organization_id == org_id,
            ORUR.c.user_id == user_id,
            ORUR.c.organization_role_id == role_id,
        )
    )
    return result.rowcount > 0


async def member_scopes(conn: AsyncConnection, tenant_id: str, org_id: str, user_id: str) -> list[dict[str, Any]]:
    """Organization scopes granted through the user's roles in the organization, by scope id."""
    rs, s = T.organization_role_scope_relations, T.organization_scopes
    held = (
        select(rs.c.organization_scope_id)
        .join(ORUR, and_(ORUR.c.organization_role_id == rs.c.organization_role_id, ORUR.c.tenant_id == rs.c.tenant_id))
        .where(ORUR.c.tenant_id == tenant_id, ORUR.c.organization_id == org_id, ORUR.c.user_id == user_id)
    )
    found = await conn.execute(select(s).where(s.c.tenant_id == tenant_id, s.c.id.in_(held)).order_by(s.c.id))
    return [scope_out(r) for r in found]


def scope_out(row: Any) -> dict[str, Any]:
    return {"tenantId": row.tenant_id, "id": row.id, "name": row.name, "description": row.description}


async def roles_by_names(conn: AsyncConnection, tenant_id: str, names: list[str]) -> dict[str, str]:
    """name -> id of the organization roles with these names."""
    if not names:
        return {}
    found = await conn.execute(select(OR.c.id, OR.c.name).where(OR.c.tenant_id == tenant_id, OR.c.name.in_(names)))
    return {r.name: r.id for r in found}


async def users_existing(conn: AsyncConnection, tenant_id: str, user_ids: Iterable[str]) -> set[str]:
    return await existing_ids(conn, U, tenant_id, user_ids)


# --- application members -------------------------------------------------------------------------------

APP_Q_FIELDS = (A.c.id, A.c.name, A.c.description)


def application_out(row: Any, box: SecretBox) -> dict[str, Any]:
    """Logto's application minus the internal secret (a legacy secret is shown, as Logto does)."""
    legacy: str | None = None
    try:
        legacy = box.open(row.secret, aad=row.id)
    except (ValueError, InvalidTag):  # an unreadable secret is not shown
        legacy = None
    return rows.application(row, legacy)


async def list_applications(
    conn: AsyncConnection, tenant_id: str, org_id: str, page: Page, keyword: str | None, box: SecretBox
) -> tuple[list[dict[str, Any]], int]:
    cond: list[Any] = [OAR.c.tenant_id == tenant_id, OAR.c.organization_id == org_id]
    search = q_condition(APP_Q_FIELDS, keyword)
    if search is not None:
        cond.append(search)
    joined = OAR.join(A, and_(A.c.id == OAR.c.application_id, A.c.tenant_id == OAR.c.tenant_id))
    stmt = select(A).select_from(joined).where(*cond).order_by(OAR.c.application_id)
    count = select(func.count()).select_from(joined).where(*cond)
    found, total = await page_of(conn, stmt, count, page)
    out = [{**application_out(r, box), "organizationRoles": []} for r in found]
    if out:
        by_id = {item["id"]: item for item in out}
        held = await conn.execute(
            select(ORAR.c.application_id, OR.c.id, OR.c.name)
            .join(OR, and_(OR.c.id == ORAR.c.organization_role_id, OR.c.tenant_id == ORAR.c.tenant_id))
            .where(
                ORAR.c.tenant_id == tenant_id,
                ORAR.c.organization_id == org_id,
                ORAR.c.application_id.in_(list(by_id)),
            )
            .order_by(OR.c.name, OR.c.id)
        )
        for app_id, rid, name in held:
            by_id[app_id]["organizationRoles"].append({"id": rid, "name": name})
    return out, total


async def add_applications(conn: AsyncConnection, tenant_id: str, org_id: str, app_ids: Iterable[str]) -> None:
    await insert_ignore(
        conn, OAR, [{"tenant_id": tenant_id, "organization_id": org_id, "application_id": a} for a in app_ids]
    )


async def replace_applications(conn: AsyncConnection, tenant_id: str, org_id: str, app_ids: list[str]) -> None:
    cond = [OAR.c.tenant_id == tenant_id, OAR.c.organization_id == org_id]
    if app_ids:
        await conn.execute(delete(OAR).where(*cond, OAR.c.application_id.not_in(app_ids)))
        await add_applications(conn, tenant_id, org_id, app_ids)
    else:
        await conn.execute(delete(OAR).where(*cond))


async def remove_application(conn: AsyncConnection, tenant_id: str, org_id: str, app_id: str) -> bool:
    result = await conn.execute(
        delete(OAR).where(OAR.c.tenant_id == tenant_id, OAR.c.organization_id == org_id, OAR.c.application_id == app_id)
    )
    return result.rowcount > 0


async def is_app_member(conn: AsyncConnection, tenant_id: str, org_id: str, app_id: str) -> bool:
    stmt = select(literal(1)).where(
        OAR.c.tenant_id == tenant_id, OAR.c.organization_id == org_id, OAR.c.application_id == app_id
    )
    return (await conn.execute(stmt)).first() is not None


async def app_members_among(conn: AsyncConnection, tenant_id: str, org_id: str, app_ids: list[str]) -> set[str]:
    return await _among(conn, OAR, "application_id", tenant_id, org_id, app_ids)


async def app_roles(
    conn: AsyncConnection, tenant_id: str, org_id: str, app_id: str, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    cond = [ORAR.c.tenant_id == tenant_id, ORAR.c.organization_id == org_id, ORAR.c.application_id == app_id]
    found, total = await linked_page(conn, ORAR, "organization_role_id", OR, OR.c.name, cond, page)
    return [role_out(r) for r in found], total


async def add_app_roles(conn: AsyncConnection, tenant_id: str, org_id: str, pairs: Iterable[tuple[str, str]]) -> None:
    """`pairs` are (application id, organization role id)."""
    await insert_ignore(
        conn,
        ORAR,
        [
            {"tenant_id": tenant_id, "organization_id": org_id, "organization_role_id": r, "application_id": a}
            for a, r in pairs
        ],
    )


async def replace_app_roles(conn: AsyncConnection, tenant_id: str, org_id: str, app_id: str, role_ids: list[str]) -> None:
    await conn.execute(
        delete(ORAR).where(
            ORAR.c.tenant_id == tenant_id, ORAR.c.organization_id == org_id, ORAR.c.application_id == app_id
        )
    )
    await add_app_roles(conn, tenant_id, org_id, [(app_id, r) for r in role_ids])


async def remove_app_role(conn: AsyncConnection, tenant_id: str, org_id: str, app_id: str, role_id: str) -> bool:
    result = await conn.execute(
        delete(ORAR).where(
            ORAR.c.tenant_id == tenant_id,
            ORAR.c.organization_id == org_id,
            ORAR.c.application_id == app_id,
            ORAR.c.organization_role_id == role_id,
        )
    )
    return result.rowcount > 0


# --- just-in-time provisioning -------------------------------------------------------------------------

JED, JR, JSC, SSO = (
    T.organization_jit_email_domains,
    T.organization_jit_roles,
    T.organization_jit_sso_connectors,
    T.sso_connectors,
)


def email_domain_out(row: Any) -> dict[str, Any]:
    return {"tenantId": row.tenant_id, "organizationId": row.organization_id, "emailDomain": row.email_domain}


def sso_connector_out(row: Any) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "id": row.id,
        "providerName": row.provider_name,
        "connectorName": row.connector_name,
        "config": row.config,
        "domains": row.domains,
        "branding": row.branding,
        "syncProfile": row.sync_profile,
        "enableTokenStorage": row.enable_token_storage,
        "createdAt": row.created_at,
    }


async def email_domains(
    conn: AsyncConnection, tenant_id: str, org_id: str, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    cond = [JED.c.tenant_id == tenant_id, JED.c.organization_id == org_id]
    stmt = select(JED).where(*cond).order_by(JED.c.email_domain)
    count = select(func.count()).select_from(JED).where(*cond)
    found, total = await page_of(conn, stmt, count, page)
    return [email_domain_out(r) for r in found], total


async def add_email_domain(conn: AsyncConnection, tenant_id: str, org_id: str, domain: str) -> dict[str, Any]:
    """A duplicate is a unique violation (Logto's plain insert), not ignored."""
    row = (
        await conn.execute(
            JED.insert().values(tenant_id=tenant_id, organization_id=org_id, email_domain=domain).returning(*JED.c)
        )
    ).one()
    return email_domain_out(row)


async def replace_email_domains(conn: AsyncConnection, tenant_id: str, org_id: str, domains: list[str]) -> None:
    await conn.execute(delete(JED).where(JED.c.tenant_id == tenant_id, JED.c.organization_id == org_id))
    await insert_ignore(
        conn, JED, [{"tenant_id": tenant_id, "organization_id": org_id, "email_domain": d} for d in domains]
    )


async def remove_email_domain(conn: AsyncConnection, tenant_id: str, org_id: str, domain: str) -> bool:
    result = await conn.execute(
        delete(JED).where(JED.c.tenant_id == tenant_id, JED.c.organization_id == org_id, JED.c.email_domain == domain)
    )
    return result.rowcount > 0


async def jit_roles(
    conn: AsyncConnection, tenant_id: str, org_id: str, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    cond = [JR.c.tenant_id == tenant_id, JR.c.organization_id == org_id]
    found, total = await linked_page(conn, JR, "organization_role_id", OR, OR.c.name, cond, page)
    return [role_out(r) for r in found], total


async def jit_sso_connectors(
    conn: AsyncConnection, tenant_id: str, org_id: str, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    cond = [JSC.c.tenant_id == tenant_id, JSC.c.organization_id == org_id]
    found, total = await linked_page(conn, JSC, "sso_connector_id", SSO, SSO.c.connector_name, cond, page)
    return [sso_connector_out(r) for r in found], total


# (table, member column) of the two-id JIT relations.
JIT_RELATIONS: dict[str, tuple[Table, str]] = {
    "roles": (JR, "organization_role_id"),
    "sso-connectors": (JSC, "sso_connector_id"),
}


async def add_jit(conn: AsyncConnection, kind: str, tenant_id: str, org_id: str, ids: Iterable[str]) -> None:
    table, column = JIT_RELATIONS[kind]
    await insert_ignore(conn, table, [{"tenant_id": tenant_id, "organization_id": org_id, column: i} for i in ids])


async def replace_jit(conn: AsyncConnection, kind: str, tenant_id: str, org_id: str, ids: list[str]) -> None:
    table, _column = JIT_RELATIONS[kind]
    await conn.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c.organization_id == org_id))
    await add_jit(conn, kind, tenant_id, org_id, ids)


async def remove_jit(conn: AsyncConnection, kind: str, tenant_id: str, org_id: str, member_id: str) -> bool:
    table, column = JIT_RELATIONS[kind]
    result = await conn.execute(
        delete(table).where(table.c.tenant_id == tenant_id, table.c.organization_id == org_id, table.c[column] == member_id)
    )
    return result.rowcount > 0


async def sso_connectors_existing(conn: AsyncConnection, tenant_id: str, ids: Iterable[str]) -> set[str]:
    return await existing_ids(conn, SSO, tenant_id, ids)

