"""SQL for API resources and their scopes. Lists run in insertion order (created_at, id), as
Logto's unordered selects effectively do."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.paging import Page
from authkeep.search import Search
from authkeep.store import tables as T
from authkeep.store.search_sql import search_condition

R, S = T.resources, T.scopes
# Searchable fields (snake_case) of scope listings (a resource's, a role's).
SCOPE_SEARCH = {"id": S.c.id, "name": S.c.name, "description": S.c.description}


async def list_resources(
    conn: AsyncConnection, tenant_id: str, page: Page | None
) -> tuple[int, list[Row[Any]]]:
    query = select(R).where(R.c.tenant_id == tenant_id).order_by(R.c.created_at, R.c.id)
    if page is None:
        rows = list((await conn.execute(query)).all())
        return len(rows), rows
    total = (
        await conn.execute(select(func.count()).select_from(R).where(R.c.tenant_id == tenant_id))
    ).scalar_one()
    rows = list((await conn.execute(query.limit(page.limit).offset(page.offset))).all())
    return int(total), rows


async def get_resource(conn: AsyncConnection, tenant_id: str, resource_id: str) -> Row[Any] | None:
    return (
        await conn.execute(select(R).where(R.c.tenant_id == tenant_id, R.c.id == resource_id))
    ).first()


async def find_by_indicator(
    conn: AsyncConnection, tenant_id: str, indicator: str
) -> Row[Any] | None:
    return (
        await conn.execute(
            select(R.c.id).where(R.c.tenant_id == tenant_id, R.c.indicator == indicator)
        )
    ).first()


async def insert_resource(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(R.insert().values(**values))


async def update_resource(
    conn: AsyncConnection, tenant_id: str, resource_id: str, values: dict[str, Any]
) -> Row[Any] | None:
    stmt = (
        R.update()
        .where(R.c.tenant_id == tenant_id, R.c.id == resource_id)
        .values(**values)
        .returning(*R.c)
    )
    return (await conn.execute(stmt)).first()


async def lock_defaults(conn: AsyncConnection, tenant_id: str) -> None:
    """Serialise default switches per tenant (PostgreSQL row lock; SQLite writes are serial)."""
    await conn.execute(select(T.tenants.c.id).where(T.tenants.c.id == tenant_id).with_for_update())


async def clear_default(conn: AsyncConnection, tenant_id: str) -> None:
    await conn.execute(
        R.update()
        .where(R.c.tenant_id == tenant_id, R.c.is_default.is_(True))
        .values(is_default=False)
    )


async def delete_resource(conn: AsyncConnection, tenant_id: str, resource_id: str) -> int:
    result = await conn.execute(R.delete().where(R.c.tenant_id == tenant_id, R.c.id == resource_id))
    return int(result.rowcount or 0)


async def scopes_by_resource(
    conn: AsyncConnection, tenant_id: str, resource_ids: list[str]
) -> dict[str, list[Row[Any]]]:
    """One query for the scopes of many resources (GET /resources?includeScopes)."""
    out: dict[str, list[Row[Any]]] = {rid: [] for rid in resource_ids}
    if not resource_ids:
        return out
    rows = await conn.execute(
        select(S)
        .where(S.c.tenant_id == tenant_id, S.c.resource_id.in_(resource_ids))
        .order_by(S.c.created_at, S.c.id)
    )
    for row in rows:
        out[row.resource_id].append(row)
    return out


async def list_scopes(
    conn: AsyncConnection, tenant_id: str, resource_id: str, search: Search, page: Page
) -> tuple[int, list[Row[Any]]]:
    matching = search_condition(search, SCOPE_SEARCH, conn.dialect.name)
    where = (S.c.tenant_id == tenant_id, S.c.resource_id == resource_id, matching)
    total = (await conn.execute(select(func.count()).select_from(S).where(*where))).scalar_one()
    rows = await conn.execute(
        select(S)
        .where(*where)
        .order_by(S.c.created_at, S.c.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return int(total), list(rows.all())


async def get_scope(
    conn: AsyncConnection, tenant_id: str, resource_id: str, scope_id: str
) -> Row[Any] | None:
    return (
        await conn.execute(
            select(S).where(
                S.c.tenant_id == tenant_id, S.c.resource_id == resource_id, S.c.id == scope_id
            )
        )
    ).first()


async def scope_name_taken(
    conn: AsyncConnection,
    tenant_id: str,
    resource_id: str,
    name: str,
    exclude_id: str | None = None,
) -> bool:
    not_self = S.c.id != exclude_id if exclude_id else true()
    row = await conn.execute(
        select(S.c.id).where(
            S.c.tenant_id == tenant_id, S.c.resource_id == resource_id, S.c.name == name, not_self
        )
    )
    return row.first() is not None


async def insert_scope(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(S.insert().values(**values))


async def update_scope(
    conn: AsyncConnection, tenant_id: str, resource_id: str, scope_id: str, values: dict[str, Any]
) -> Row[Any] | None:
    stmt = (
        S.update()
        .where(S.c.tenant_id == tenant_id, S.c.resource_id == resource_id, S.c.id == scope_id)
        .values(**values)
        .returning(*S.c)
    )
    return (await conn.execute(stmt)).first()


async def delete_scope(
    conn: AsyncConnection, tenant_id: str, resource_id: str, scope_id: str
) -> int:
    result = await conn.execute(
        S.delete().where(
            S.c.tenant_id == tenant_id, S.c.resource_id == resource_id, S.c.id == scope_id
        )
    )
    return int(result.rowcount or 0)
