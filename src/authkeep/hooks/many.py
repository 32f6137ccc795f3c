"""Ready outbox rows raised outside the route contract's one event per request: one event per
item of a request that creates many things (POST /api/users/bulk), and the Experience API's
interaction events.

The route contract raises at most one event per request (`capture`); a bulk create raises one
`User.Created` per user instead. Its outbox rows are inserted ready (with status and data) in
the create's own transaction, so they commit with the users or not at all, and the worker is
woken after commit. docs/bulk-users.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request

from authkeep.clock import now_ms
from authkeep.domain import hooks as domain
from authkeep.hooks import capture
from authkeep.store import hooks as store
from authkeep.store.db import Database


def context(request: Request, matched: str) -> dict[str, Any]:
    """The delivery context of Logto's payload for this request (`path` without `/api`)."""
    path = request.url.path
    out: dict[str, Any] = {"createdAt": domain.iso(now_ms())}
    agent = request.headers.get("user-agent")
    if agent is not None:
        out["userAgent"] = agent
    if request.client is not None:
        out["ip"] = request.client.host
    out.update(path=path[4:] if path.startswith("/api/") else path, method=request.method, params={}, matchedRoute=matched)
    return out


async def add_each(
    db: Database, conn: AsyncConnection, tenant_id: str, event: str, ctx: dict[str, Any], datas: Sequence[Any],
    status: int = 200,
) -> int:
    """Ready outbox rows: one per (subscribed hook, data); how many."""
    return await add_ready(db, conn, tenant_id, event, [(ctx, status, data) for data in datas])


async def add_ready(
    db: Database, conn: AsyncConnection, tenant_id: str, event: str, items: Sequence[tuple[dict[str, Any], int | None, Any]]
) -> int:
    """Ready outbox rows, one per (subscribed hook, (context, status, data)), in `conn`'s
    transaction; how many. The subscribers come from the per-process cache (capture.subscribers).
    A context holding a `body` is sent as is (the Experience API's interaction events)."""
    hooks = await capture.subscribers(db, conn, tenant_id, event)
    if not hooks or not items:
        return 0
    now = now_ms()
    rows = [
        {"tenant_id": tenant_id, "hook_id": hook_id, "event": event, "context": ctx, "status": status,
         "data": data, "ready": True, "attempts": 0, "due_at": now, "created_at": now}
        for ctx, status, data in items for hook_id in hooks
    ]  # fmt: skip
    await store.add_outbox(conn, rows)
    return len(rows)
