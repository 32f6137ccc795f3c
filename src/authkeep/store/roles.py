"""SQL for roles and their links to scopes, users and applications. Roles list in insertion
order (created_at, id); Logto's selects have no ORDER BY."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Row,
    Table,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import ids
from authkeep.paging import Page
from authkeep.search import Search
from authkeep.store import tables as T
from authkeep.store.db import Database
from authkeep.store.management_api import INTERNAL_PREFIX
from authkeep.store.resources import SCOPE_SEARCH
from authkeep.store.rows import USER_INFO_COLUMNS
from authkeep.store.search_sql import search_condition

R, S, RS = T.roles, T.scopes, T.roles_scopes
UR, AR, U, A = T.users_roles, T.applications_roles, T.users, T.applications
FEATURED = 3
# Every application column but the secret: role listings never carry secrets.
APP_COLUMNS = tuple(c for c in A.c if c.name != "secret")

# Searchable fields (snake_case) of each listing: roles, a role's users, a role's applications.
SEARCH = {"id": R.c.id, "name": R.c.name, "description": R.c.description}
USER_SEARCH = {
    "id": U.c.id,
    "primary_email": U.c.primary_email,
    "primary_phone": U.c.primary_phone,
    "username": U.c.username,
    "name": U.c.name,
}
APPLICATION_SEARCH = {"id": A.c.id, "name": A.c.name, "description": A.c.description}


def _matching(conn: AsyncConnection, search: Search, columns: dict[str, Any]) -> ColumnElement[bool]:
    return search_condition(search, columns, conn.dialect.name)


async def get_role(conn: AsyncConnection, tenant_id: str, role_id: str) -> Row[Any] | None:
    return (
        await conn.execute(select(R).where(R.c.tenant_id == tenant_id, R.c.id == role_id))
    ).first()


async def name_taken(
    conn: AsyncConnection, tenant_id: str, name: str, exclude_id: str | None = None
) -> bool:
    not_self = R.c.id != exclude_id if exclude_id else true()
    row = await conn.execute(
        select(R.c.id).where(R.c.tenant_id == tenant_id, R.c.name == name, not_self)
    )
    return row.first() is not None


# substr rather than LIKE: SQLite's LIKE ignores case, the prefix check must not.
_VISIBLE = and_(
    R.c.tenant_id == bindparam("tenant"),
    func.substr(R.c.name, 1, len(INTERNAL_PREFIX)) != INTERNAL_PREFIX,
)
_ALL_COUNT = select(func.count()).select_from(R).where(_VISIBLE)


@dataclass
class Members:
    count: int = 0
    featured: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Listed:
    """One role of a list page with its member counts and first few members."""

    role: dict[str, Any]
    users: Members
    applications: Members


_USER_COLS = ("id", "avatar", "name")
_APP_COLS = ("id", "name", "type")


def _page_statement(where: list[ColumnElement[bool]], limit: Any, offset: Any) -> Any:
    """The page of roles, its total and each role's member counts and featured members, in one
    statement: rows of kind 0 are roles, 1 users, 2 applications (a UNION ALL of one shape).
    Members are found from the page's role ids through `users_roles.role_id` /
    `applications_roles.role_id` alone (the role ids are the tenant's already): before the tables
    are analysed, a plan driven from `users` read all 2,000 of them (~5 ms), and a join that also
    named `tenant_id` walked the whole `(tenant_id, user_id, role_id)` index once per role."""
    count = select(func.count()).select_from(R).where(*where).scalar_subquery()
    page = (
        select(R.c.id, R.c.name, R.c.description, R.c.type, R.c.is_default, R.c.created_at, count.label("total"))
        .where(*where)
        .order_by(R.c.created_at, R.c.id)
        .limit(limit)
        .offset(offset)
        .cte("page")
    )
    parts = [
        select(
            literal(0).label("kind"),
            page.c.id.label("role_id"),
            page.c.name.label("a"),
            page.c.description.label("b"),
            page.c.type.label("c"),
            page.c.is_default.label("flag"),
            page.c.total.label("n"),
            page.c.created_at.label("o"),
            literal(0).label("rn"),
        )
    ]
    for kind, link, member, cols in ((1, UR, U, _USER_COLS), (2, AR, A, _APP_COLS)):
        member_id = link.c.user_id if link is UR else link.c.application_id
        inner = (
            select(
                link.c.role_id,
                *(member.c[c] for c in cols),
                func.count().over(partition_by=link.c.role_id).label("total"),
                func.row_number()
                .over(partition_by=link.c.role_id, order_by=(member.c.created_at, member.c.id))
                .label("rn"),
            )
            .select_from(
                page.join(link, link.c.role_id == page.c.id).join(
                    member, and_(member.c.id == member_id, member.c.tenant_id == link.c.tenant_id)
                )
            )
            .subquery()
        )
        parts.append(
            select(
                literal(kind),
                inner.c.role_id,
                *(inner.c[c] for c in cols),
                cast(null(), Boolean),
                inner.c.total,
                literal(0),
                inner.c.rn,
            ).where(inner.c.rn <= FEATURED)
        )
    union = union_all(*parts).subquery("listed")
    return select(union).order_by(union.c.kind, union.c.o, union.c.role_id, union.c.rn)
_ALL_PAGE = _page_statement([_VISIBLE], bindparam("limit"), bindparam("offset"))


def _listed(found: list[Any], tenant_id: str) -> tuple[int | None, list[Listed]]:
    """Rows of `_page_statement` -> (total, roles in order); total None when the page is empty."""
    out: dict[str, Listed] = {}
    total = None
    for r in found:
        kind, role_id = r["kind"], r["role_id"]
        if kind == 0:
            total = int(r["n"])
            role = {"tenantId": tenant_id, "id": role_id, "name": r["a"], "description": r["b"], "type": r["c"],
                    "isDefault": r["flag"]}
            out[role_id] = Listed(role, Members(), Members())
            continue
        entry = out[role_id].users if kind == 1 else out[role_id].applications
        entry.count = int(r["n"])
        cols = _USER_COLS if kind == 1 else _APP_COLS
        entry.featured.append(dict(zip(cols, (r["a"], r["b"], r["c"]), strict=True)))
    return total, list(out.values())


async def list_page(
    db: Database,
    tenant_id: str,
    search: Search,
    page: Page,
    role_type: str | None = None,
    exclude_user_id: str | None = None,
    exclude_application_id: str | None = None,
) -> tuple[int, list[Listed]]:
    """A page of roles with the exact total and their members, in one round trip. The
    unfiltered list (the common case) is a statement built once, sent on the fast read path."""
    if not search and not (role_type or exclude_user_id or exclude_application_id):
        found = await db.fetch(_ALL_PAGE, {"tenant": tenant_id, "limit": page.limit, "offset": page.offset})
        total, listed = _listed(found, tenant_id)
        if total is None:
            (total,) = (await db.fetch(_ALL_COUNT, {"tenant": tenant_id}))[0].values() if page.offset else (0,)
        return int(total), listed
    where = [
        R.c.tenant_id == tenant_id,
        func.substr(R.c.name, 1, len(INTERNAL_PREFIX)) != INTERNAL_PREFIX,
        search_condition(search, SEARCH, db.dialect),
    ]
    if role_type:
        where.append(R.c.type == role_type)
    if exclude_user_id is not None:
        held = select(UR.c.role_id).where(UR.c.tenant_id == tenant_id, UR.c.user_id == exclude_user_id)
        where.append(R.c.id.not_in(held))
    if exclude_application_id is not None:
        held = select(AR.c.role_id).where(AR.c.tenant_id == tenant_id, AR.c.application_id == exclude_application_id)
        where.append(R.c.id.not_in(held))
    async with db.read() as conn:
        found = [r._mapping for r in await conn.execute(_page_statement(where, page.limit, page.offset))]
        total, listed = _listed(found, tenant_id)
        if total is None:
            total = int((await conn.execute(select(func.count()).select_from(R).where(*where))).scalar_one())
    return total, listed


async def insert_role(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(R.insert().values(**values))


async def update_role(
    conn: AsyncConnection, tenant_id: str, role_id: str, values: dict[str, Any]
) -> Row[Any] | None:
    stmt = (
        R.update()
        .where(R.c.tenant_id == tenant_id, R.c.id == role_id)
        .values(**values)
        .returning(*R.c)
    )
    return (await conn.execute(stmt)).first()


async def delete_role(conn: AsyncConnection, tenant_id: str, role_id: str) -> int:
    result = await conn.execute(R.delete().where(R.c.tenant_id == tenant_id, R.c.id == role_id))
    return int(result.rowcount or 0)


# --- scopes ---------------------------------------------------------------------------------


async def scope_indicators(
    conn: AsyncConnection, tenant_id: str, scope_ids: list[str]
) -> dict[str, str]:
    """scope id -> its resource's indicator, for the scopes that exist."""
    found = await conn.execute(
        select(S.c.id, T.resources.c.indicator)
        .join(
            T.resources,
            and_(T.resources.c.id == S.c.resource_id, T.resources.c.tenant_id == S.c.tenant_id),
        )
        .where(S.c.tenant_id == tenant_id, S.c.id.in_(scope_ids))
    )
    return {row.id: row.indicator for row in found}


async def linked_scope_ids(conn: AsyncConnection, tenant_id: str, role_id: str) -> set[str]:
    found = await conn.execute(
        select(RS.c.scope_id).where(RS.c.tenant_id == tenant_id, RS.c.role_id == role_id)
    )
    return {row.scope_id for row in found}


async def link_scopes(
    conn: AsyncConnection, tenant_id: str, role_id: str, scope_ids: list[str]
) -> None:
    if scope_ids:
        await conn.execute(
            RS.insert(),
            [
                {"tenant_id": tenant_id, "id": ids.standard_id(), "role_id": role_id, "scope_id": s}
                for s in scope_ids
            ],
        )


def _scopes_of(tenant_id: str, role_id: str) -> ColumnElement[bool]:
    return S.c.id.in_(
        select(RS.c.scope_id).where(RS.c.tenant_id == tenant_id, RS.c.role_id == role_id)
    )


async def role_scopes(conn: AsyncConnection, tenant_id: str, role_id: str) -> list[Row[Any]]:
    found = await conn.execute(
        select(S)
        .where(S.c.tenant_id == tenant_id, _scopes_of(tenant_id, role_id))
        .order_by(S.c.created_at, S.c.id)
    )
    return list(found.all())


async def list_role_scopes(
    conn: AsyncConnection,
    tenant_id: str,
    role_id: str,
    search: Search,
    page: Page | None,
) -> tuple[int, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """(scope, resource) pairs, from one join."""
    res = T.resources
    where = (S.c.tenant_id == tenant_id, _scopes_of(tenant_id, role_id), _matching(conn, search, SCOPE_SEARCH))
    query = (
        select(*S.c, *(c.label(f"r_{c.name}") for c in res.c))
        .join(res, and_(res.c.id == S.c.resource_id, res.c.tenant_id == S.c.tenant_id))
        .where(*where)
        .order_by(S.c.created_at, S.c.id)
    )
    if page is not None:
        query = query.limit(page.limit).offset(page.offset)
    pairs = []
    for row in await conn.execute(query):
        m = row._mapping
        scope = {c.name: m[c.name] for c in S.c}
        resource = {c.name: m[f"r_{c.name}"] for c in res.c}
        pairs.append((scope, resource))
    if page is None:
        return len(pairs), pairs
    total = (await conn.execute(select(func.count()).select_from(S).where(*where))).scalar_one()
    return int(total), pairs


async def unlink_scope(conn: AsyncConnection, tenant_id: str, role_id: str, scope_id: str) -> int:
    result = await conn.execute(
        RS.delete().where(
            RS.c.tenant_id == tenant_id, RS.c.role_id == role_id, RS.c.scope_id == scope_id
        )
    )
    return int(result.rowcount or 0)


# --- users and applications -----------------------------------------------------------------


def _member_col(link: Table) -> Any:
    return link.c.user_id if link is UR else link.c.application_id


async def linked_members(
    conn: AsyncConnection, tenant_id: str, link: Table, role_id: str, member_ids: list[str]
) -> set[str]:
    col = _member_col(link)
    found = await conn.execute(
        select(col).where(
            link.c.tenant_id == tenant_id, link.c.role_id == role_id, col.in_(member_ids)
        )
    )
    return {row[0] for row in found}


async def link_members(
    conn: AsyncConnection, tenant_id: str, link: Table, role_id: str, member_ids: list[str]
) -> None:
    col = _member_col(link).name
    await conn.execute(
        link.insert(),
        [
            {"tenant_id": tenant_id, "id": ids.standard_id(), "role_id": role_id, col: m}
            for m in member_ids
        ],
    )


async def unlink_member(
    conn: AsyncConnection, tenant_id: str, link: Table, role_id: str, member_id: str
) -> int:
    result = await conn.execute(
        link.delete().where(
            link.c.tenant_id == tenant_id, link.c.role_id == role_id, _member_col(link) == member_id
        )
    )
    return int(result.rowcount or 0)


async def existing_users(conn: AsyncConnection, tenant_id: str, user_ids: list[str]) -> set[str]:
    found = await conn.execute(
        select(U.c.id).where(U.c.tenant_id == tenant_id, U.c.id.in_(user_ids))
    )
    return {row.id for row in found}


async def application_types(
    conn: AsyncConnection, tenant_id: str, app_ids: list[str]
) -> dict[str, str]:
    found = await conn.execute(
        select(A.c.id, A.c.type).where(A.c.tenant_id == tenant_id, A.c.id.in_(app_ids))
    )
    return {row.id: row.type for row in found}


async def list_role_users(
    conn: AsyncConnection, tenant_id: str, role_id: str, search: Search, page: Page
) -> tuple[int, list[Row[Any]]]:
    held = select(UR.c.user_id).where(UR.c.tenant_id == tenant_id, UR.c.role_id == role_id)
    where = (U.c.tenant_id == tenant_id, U.c.id.in_(held), _matching(conn, search, USER_SEARCH))
    total = (await conn.execute(select(func.count()).select_from(U).where(*where))).scalar_one()
    found = await conn.execute(
        select(*USER_INFO_COLUMNS)
        .where(*where)
        .order_by(U.c.created_at.desc(), U.c.id.desc())  # as GET /users
        .limit(page.limit)
        .offset(page.offset)
    )
    return int(total), list(found.all())


async def list_role_applications(
    conn: AsyncConnection, tenant_id: str, role_id: str, search: Search, page: Page
) -> tuple[int, list[Row[Any]]]:
    held = select(AR.c.application_id).where(AR.c.tenant_id == tenant_id, AR.c.role_id == role_id)
    matching = _matching(conn, search, APPLICATION_SEARCH)
    where = (A.c.tenant_id == tenant_id, A.c.type == "MachineToMachine", A.c.id.in_(held), matching)
    total = (await conn.execute(select(func.count()).select_from(A).where(*where))).scalar_one()
    found = await conn.execute(
        select(*APP_COLUMNS)
        .where(*where)
        .order_by(A.c.created_at, A.c.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return int(total), list(found.all())
