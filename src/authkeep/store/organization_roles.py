"""SQL for the organization template: organization roles, organization scopes, and the roles'
organization-scope and API-resource-scope relations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, and_, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.paging import Page
from authkeep.store import rows
from authkeep.store import tables as T
from authkeep.store.organizations import (
    insert_ignore,
    linked_page,
    page_of,
    q_condition,
    role_out,
    scope_out,
)

OR = T.organization_roles
OS = T.organization_scopes
ORSR = T.organization_role_scope_relations
ORRSR = T.organization_role_resource_scope_relations
S = T.scopes
R = T.resources

ROLE_Q_FIELDS = (OR.c.id, OR.c.name, OR.c.description)
SCOPE_Q_FIELDS = (OS.c.name,)


# --- organization roles ----------------------------------------------------------------------------


async def insert_role(conn: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    return (await conn.execute(OR.insert().values(values).returning(*OR.c))).one()


async def find_role(conn: AsyncConnection, tenant_id: str, role_id: str, lock: bool = False) -> Row[Any] | None:
    stmt = select(OR).where(OR.c.tenant_id == tenant_id, OR.c.id == role_id)
    if lock:
        stmt = stmt.with_for_update(key_share=True)
    return (await conn.execute(stmt)).first()


async def role_exists(conn: AsyncConnection, tenant_id: str, role_id: str) -> bool:
    stmt = select(literal(1)).where(OR.c.tenant_id == tenant_id, OR.c.id == role_id)
    return (await conn.execute(stmt)).first() is not None


async def update_role(conn: AsyncConnection, tenant_id: str, role_id: str, values: dict[str, Any]) -> Row[Any] | None:
    if not values:
        return await find_role(conn, tenant_id, role_id)
    stmt = update(OR).where(OR.c.tenant_id == tenant_id, OR.c.id == role_id).values(values).returning(*OR.c)
    return (await conn.execute(stmt)).first()


async def delete_role(conn: AsyncConnection, tenant_id: str, role_id: str) -> bool:
    """Users', applications', invitations' and JIT links to the role go by FK cascade."""
    result = await conn.execute(delete(OR).where(OR.c.tenant_id == tenant_id, OR.c.id == role_id))
    return result.rowcount > 0


async def list_roles(
    conn: AsyncConnection, tenant_id: str, keyword: str | None, page: Page
) -> tuple[list[dict[str, Any]], int]:
    """A page of roles by name, each with `scopes` and `resourceScopes` (three statements)."""
    cond: list[Any] = [OR.c.tenant_id == tenant_id]
    search = q_condition(ROLE_Q_FIELDS, keyword)
    if search is not None:
        cond.append(search)
    stmt = select(OR).where(*cond).order_by(OR.c.name, OR.c.id)
    count = select(func.count()).select_from(OR).where(*cond)
    found, total = await page_of(conn, stmt, count, page)
    out = [{**role_out(r), "scopes": [], "resourceScopes": []} for r in found]
    if not out:
        return out, total
    by_id = {item["id"]: item for item in out}
    ids = list(by_id)
    held = await conn.execute(
        select(ORSR.c.organization_role_id, OS.c.id, OS.c.name)
        .join(OS, and_(OS.c.id == ORSR.c.organization_scope_id, OS.c.tenant_id == ORSR.c.tenant_id))
        .where(ORSR.c.tenant_id == tenant_id, ORSR.c.organization_role_id.in_(ids))
        .order_by(OS.c.id)
    )
    for role_id, sid, name in held:
        by_id[role_id]["scopes"].append({"id": sid, "name": name})
    held = await conn.execute(
        select(ORRSR.c.organization_role_id, S.c.id, S.c.name, R.c.id.label("rid"), R.c.name.label("rname"))
        .join(S, and_(S.c.id == ORRSR.c.scope_id, S.c.tenant_id == ORRSR.c.tenant_id))
        .join(R, and_(R.c.id == S.c.resource_id, R.c.tenant_id == S.c.tenant_id))
        .where(ORRSR.c.tenant_id == tenant_id, ORRSR.c.organization_role_id.in_(ids))
        .order_by(S.c.id)
    )
    for r in held:
        by_id[r.organization_role_id]["resourceScopes"].append(
            {"id": r.id, "name": r.name, "resource": {"id": r.rid, "name": r.rname}}
        )
    return out, total


# --- a role's organization scopes and resource scopes -----------------------------------------------


async def role_scopes(
    conn: AsyncConnection, tenant_id: str, role_id: str, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    cond = [ORSR.c.tenant_id == tenant_id, ORSR.c.organization_role_id == role_id]
    found, total = await linked_page(conn, ORSR, "organization_scope_id", OS, OS.c.name, cond, page)
    return [scope_out(r) for r in found], total


async def role_resource_scopes(
    conn: AsyncConnection, tenant_id: str, role_id: str, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    cond = [ORRSR.c.tenant_id == tenant_id, ORRSR.c.organization_role_id == role_id]
    found, total = await linked_page(conn, ORRSR, "scope_id", S, S.c.name, cond, page)
    return [rows.scope(r) for r in found], total


# (relation table, role column, member column, member table) per relation kind.
RELATIONS = {
    "scopes": (ORSR, "organization_scope_id", OS),
    "resource-scopes": (ORRSR, "scope_id", S),
}


async def add_role_relations(
    conn: AsyncConnection, kind: str, tenant_id: str, role_id: str, member_ids: Iterable[str]
) -> None:
    table, column, _member = RELATIONS[kind]
    await insert_ignore(
        conn, table, [{"tenant_id": tenant_id, "organization_role_id": role_id, column: m} for m in member_ids]
    )


async def replace_role_relations(
    conn: AsyncConnection, kind: str, tenant_id: str, role_id: str, member_ids: list[str]
) -> None:
    table, _column, _member = RELATIONS[kind]
    await conn.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c.organization_role_id == role_id))
    await add_role_relations(conn, kind, tenant_id, role_id, member_ids)


async def remove_role_relation(conn: AsyncConnection, kind: str, tenant_id: str, role_id: str, member_id: str) -> bool:
    table, column, _member = RELATIONS[kind]
    result = await conn.execute(
        delete(table).where(
            table.c.tenant_id == tenant_id, table.c.organization_role_id == role_id, table.c[column] == member_id
        )
    )
    return result.rowcount > 0


async def relation_targets_existing(
    conn: AsyncConnection, kind: str, tenant_id: str, member_ids: Iterable[str]
) -> set[str]:
    _table, _column, member = RELATIONS[kind]
    wanted = list(dict.fromkeys(member_ids))
    if not wanted:
        return set()
    found = await conn.execute(select(member.c.id).where(member.c.tenant_id == tenant_id, member.c.id.in_(wanted)))
    return {r.id for r in found}


# --- organization scopes -------------------------------------------------------------------------------


async def insert_scope(conn: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    return (await conn.execute(OS.insert().values(values).returning(*OS.c))).one()


async def find_scope(conn: AsyncConnection, tenant_id: str, scope_id: str) -> Row[Any] | None:
    return (await conn.execute(select(OS).where(OS.c.tenant_id == tenant_id, OS.c.id == scope_id))).first()


async def update_scope(conn: AsyncConnection, tenant_id: str, scope_id: str, values: dict[str, Any]) -> Row[Any] | None:
    if not values:
        return await find_scope(conn, tenant_id, scope_id)
    stmt = update(OS).where(OS.c.tenant_id == tenant_id, OS.c.id == scope_id).values(values).returning(*OS.c)
    return (await conn.execute(stmt)).first()


async def delete_scope(conn: AsyncConnection, tenant_id: str, scope_id: str) -> bool:
    result = await conn.execute(delete(OS).where(OS.c.tenant_id == tenant_id, OS.c.id == scope_id))
    return result.rowcount > 0


async def list_scopes(
    conn: AsyncConnection, tenant_id: str, keyword: str | None, page: Page | None
) -> tuple[list[dict[str, Any]], int]:
    cond: list[Any] = [OS.c.tenant_id == tenant_id]
    search = q_condition(SCOPE_Q_FIELDS, keyword)
    if search is not None:
        cond.append(search)
    stmt = select(OS).where(*cond).order_by(OS.c.name, OS.c.id)
    count = select(func.count()).select_from(OS).where(*cond)
    found, total = await page_of(conn, stmt, count, page)
    return [scope_out(r) for r in found], total
