"""SQL for webhooks and their outbox. Hooks list in insertion order, as Logto's unordered select."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.paging import Page
from authkeep.store import tables as T
from authkeep.store.tables_hooks import hook_outbox as O
from authkeep.store.tables_hooks import hooks as H
from authkeep.store.tables_hooks import logs as L


async def list_hooks(conn: AsyncConnection, tenant_id: str, page: Page | None) -> tuple[int, list[Row[Any]]]:
    query = select(H).where(H.c.tenant_id == tenant_id).order_by(H.c.created_at, H.c.id)
    if page is None:
        found = list((await conn.execute(query)).all())
        return len(found), found
    total = (await conn.execute(select(func.count()).select_from(H).where(H.c.tenant_id == tenant_id))).scalar_one()
    found = list((await conn.execute(query.limit(page.limit).offset(page.offset))).all())
    return int(total), found


async def get_hook(conn: AsyncConnection, tenant_id: str, hook_id: str) -> Row[Any] | None:
    return (await conn.execute(select(H).where(H.c.tenant_id == tenant_id, H.c.id == hook_id))).first()


async def insert_hook(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(H).values(**values))


async def update_hook(conn: AsyncConnection, tenant_id: str, hook_id: str, values: dict[str, Any]) -> int:
    found = await conn.execute(update(H).where(H.c.tenant_id == tenant_id, H.c.id == hook_id).values(**values))
    return found.rowcount


async def delete_hook(conn: AsyncConnection, tenant_id: str, hook_id: str) -> int:
    return (await conn.execute(delete(H).where(H.c.tenant_id == tenant_id, H.c.id == hook_id))).rowcount


async def enabled_hooks(conn: AsyncConnection, tenant_id: str) -> list[Row[Any]]:
    query = select(H.c.id, H.c.event, H.c.events).where(H.c.tenant_id == tenant_id, H.c.enabled.is_(True))
    return list((await conn.execute(query)).all())


# --- outbox ------------------------------------------------------------------------------------


async def add_outbox(conn: AsyncConnection, items: Sequence[dict[str, Any]]) -> list[int]:
    found = await conn.execute(insert(O).returning(O.c.id), list(items))
    return [row.id for row in found]


async def finish_outbox(conn: AsyncConnection, ids: Sequence[int], status: int, data: Any, due_at: int) -> None:
    await conn.execute(update(O).where(O.c.id.in_(ids)).values(status=status, data=data, ready=True, due_at=due_at))


async def drop_outbox(conn: AsyncConnection, ids: Sequence[int]) -> None:
    await conn.execute(delete(O).where(O.c.id.in_(ids)))


async def claim(conn: AsyncConnection, now: int, lease_until: int, orphan_before: int, limit: int, pg: bool) -> list[Row[Any]]:
    """Takes up to `limit` due rows and leases them until `lease_until` (the row is due again then,
    should this process die mid-delivery). Rows not `ready` are only taken once orphaned: their
    request died between commit and answer. PostgreSQL: SKIP LOCKED, so instances never wait
    on each other; SQLite: the write transaction (BEGIN IMMEDIATE) serializes claims."""
    due = select(O.c.id).where(
        O.c.due_at <= now, or_(O.c.ready.is_(True), O.c.created_at < orphan_before)
    ).order_by(O.c.due_at, O.c.id).limit(limit)
    if pg:
        due = due.with_for_update(skip_locked=True)
    ids = [row.id for row in (await conn.execute(due)).all()]
    if not ids:
        return []
    stmt = (
        update(O).where(O.c.id.in_(ids)).values(due_at=lease_until, attempts=O.c.attempts + 1)
        .returning(O.c.id, O.c.tenant_id, O.c.hook_id, O.c.event, O.c.context, O.c.status, O.c.data, O.c.ready,
                   O.c.attempts, O.c.created_at)
    )
    return list((await conn.execute(stmt)).all())


async def hooks_by_id(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, Row[Any]]:
    found = await conn.execute(select(H).where(H.c.id.in_(list(ids))))
    return {row.id: row for row in found}


async def reschedule(conn: AsyncConnection, outbox_id: int, due_at: int, values: dict[str, Any]) -> None:
    await conn.execute(update(O).where(O.c.id == outbox_id).values(due_at=due_at, **values))


async def oldest_due(conn: AsyncConnection, now: int) -> int | None:
    """The due time (ms) of the longest-waiting row that is due, if any: one index probe."""
    return (await conn.execute(select(func.min(O.c.due_at)).where(O.c.due_at <= now))).scalar_one()


async def pending_count(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(O))).scalar_one())


# --- delivery logs -------------------------------------------------------------------------------


async def add_logs(conn: AsyncConnection, items: Sequence[dict[str, Any]]) -> None:
    if items:
        await conn.execute(insert(L), list(items))


def _hook_logs(tenant_id: str, hook_id: str, key: str | None, start: int | None, end: int | None) -> Any:
    cond = [L.c.tenant_id == tenant_id, L.c.hook_id == hook_id, L.c.key.like("TriggerHook.%")]
    if key is not None:
        cond.append(L.c.key == key)
    if start is not None:
        cond.append(L.c.created_at >= start)
    if end is not None:
        cond.append(L.c.created_at <= end)
    return and_(*cond)


async def recent_logs(
    conn: AsyncConnection, tenant_id: str, hook_id: str, key: str | None, start: int | None, end: int | None, page: Page
) -> tuple[int, list[Row[Any]]]:
    where = _hook_logs(tenant_id, hook_id, key, start, end)
    total = (await conn.execute(select(func.count()).select_from(L).where(where))).scalar_one()
    query = select(L).where(where).order_by(L.c.created_at.desc(), L.c.id.desc())
    return int(total), list((await conn.execute(query.limit(page.limit).offset(page.offset))).all())


async def execution_stats(conn: AsyncConnection, tenant_id: str, hook_ids: Sequence[str], since: int) -> dict[str, tuple[int, int]]:
    """hook id -> (successes, requests) since `since` (ms)."""
    ok = func.sum(case((L.c.payload["result"].as_string() == "Success", 1), else_=0))
    query = (
        select(L.c.hook_id, func.count(), ok)
        .where(L.c.tenant_id == tenant_id, L.c.hook_id.in_(list(hook_ids)), L.c.created_at >= since)
        .group_by(L.c.hook_id)
    )
    return {row[0]: (int(row[2] or 0), int(row[1])) for row in (await conn.execute(query)).all()}


async def organization_members(conn: AsyncConnection, tenant_id: str, org_id: str, matched: str) -> list[str]:
    """The user (or, for an `/applications` route, application) ids of an organization."""
    if "/applications" in matched:
        rel, col = T.organization_application_relations, T.organization_application_relations.c.application_id
    else:
        rel, col = T.organization_user_relations, T.organization_user_relations.c.user_id
    query = select(col).where(rel.c.tenant_id == tenant_id, rel.c.organization_id == org_id)
    return [str(v) for v in (await conn.execute(query)).scalars()]
