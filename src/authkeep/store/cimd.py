"""SQL for the CIMD consent ceiling (store/tables_cimd.py): tenant-level twins of an application's
user consent scopes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, and_, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store import tables as T
from authkeep.store import tables_cimd as C
from authkeep.store.organizations import insert_ignore
from authkeep.store.user_scopes import USER_SCOPES

TABLES: dict[str, tuple[Table, str]] = {
    "organization-scopes": (C.cimd_organization_scopes, "organization_scope_id"),
    "resource-scopes": (C.cimd_resource_scopes, "scope_id"),
    "organization-resource-scopes": (C.cimd_organization_resource_scopes, "scope_id"),
    "user-scopes": (C.cimd_user_scopes, "user_scope"),
}


async def add(conn: AsyncConnection, tenant_id: str, scope_type: str, values: list[str]) -> None:
    table, column = TABLES[scope_type]
    await insert_ignore(conn, table, [{"tenant_id": tenant_id, column: v} for v in dict.fromkeys(values)])


async def remove(conn: AsyncConnection, tenant_id: str, scope_type: str, value: str) -> bool:
    table, column = TABLES[scope_type]
    done = await conn.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c[column] == value))
    return done.rowcount > 0


async def _grouped(conn: AsyncConnection, tenant_id: str, rel: Table) -> list[dict[str, Any]]:
    s, r = T.scopes, T.resources
    found = await conn.execute(
        select(s.c.id, s.c.name, s.c.description, r.c.id.label("rid"), r.c.name.label("rname"), r.c.indicator)
        .join(rel, and_(rel.c.scope_id == s.c.id, rel.c.tenant_id == s.c.tenant_id))
        .join(r, and_(r.c.id == s.c.resource_id, r.c.tenant_id == s.c.tenant_id))
        .where(rel.c.tenant_id == tenant_id)
        .order_by(r.c.name, r.c.id, s.c.name, s.c.id)
    )
    groups: dict[str, dict[str, Any]] = {}
    for row in found:
        group = groups.setdefault(
            row.rid, {"resource": {"id": row.rid, "name": row.rname, "indicator": row.indicator}, "scopes": []}
        )
        group["scopes"].append({"id": row.id, "name": row.name, "description": row.description})
    return list(groups.values())


async def ceiling(conn: AsyncConnection, tenant_id: str) -> dict[str, Any]:
    os_, rel = T.organization_scopes, C.cimd_organization_scopes
    org_scopes = await conn.execute(
        select(os_.c.id, os_.c.name, os_.c.description)
        .join(rel, and_(rel.c.organization_scope_id == os_.c.id, rel.c.tenant_id == os_.c.tenant_id))
        .where(rel.c.tenant_id == tenant_id)
        .order_by(os_.c.name, os_.c.id)
    )
    users = C.cimd_user_scopes
    user_scopes = (await conn.execute(select(users.c.user_scope).where(users.c.tenant_id == tenant_id))).scalars()
    rank = {s: i for i, s in enumerate(USER_SCOPES)}
    return {
        "organizationScopes": [{"id": r.id, "name": r.name, "description": r.description} for r in org_scopes],
        "resourceScopes": await _grouped(conn, tenant_id, C.cimd_resource_scopes),
        "organizationResourceScopes": await _grouped(conn, tenant_id, C.cimd_organization_resource_scopes),
        "userScopes": sorted(user_scopes, key=lambda s: rank.get(s, len(rank))),
    }
