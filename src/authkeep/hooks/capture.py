"""From a Management API request to outbox rows, inside the request's own write transaction.

The route contract calls `begin()` for the routes Logto registers an event on; the first
`Database.write()` of the request that changes something inserts one outbox row per subscribed
hook just before it commits (`before_commit`). `finish()` hands the committed rows and the answer
(status, data) to the worker; a request that fails drops them. docs/architecture.md, "Webhooks".
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request

from authkeep.cache import WriteAwareCache
from authkeep.clock import now_ms
from authkeep.domain import hooks as domain
from authkeep.store import events, rows, users, users_create
from authkeep.store import hooks as store
from authkeep.store.db import Database


class Pending:
    __slots__ = ("context", "data", "db", "event", "ids", "staged", "tenant_id")

    def __init__(self, db: Database, tenant_id: str, event: str, context: dict[str, Any]) -> None:
        self.db = db
        self.tenant_id = tenant_id
        self.event = event
        self.context = context
        self.data: Any = None  # the payload's `data` when it is not the response body
        self.staged: list[tuple[int, str]] | None = None  # (outbox id, hook id) not yet committed
        self.ids: list[tuple[int, str]] | None = None  # (outbox id, hook id) committed


current: ContextVar[Pending | None] = ContextVar("authkeep_hook_pending", default=None)
_tasks: set[asyncio.Task[None]] = set()
# A tenant's enabled hooks, per process, exact per the change feed (family "hooks"): an event
# costs no query to find its subscribers.
_HOOKS_TTL_S = 60.0
_enabled: weakref.WeakKeyDictionary[Database, WriteAwareCache[str, list[Any]]] = weakref.WeakKeyDictionary()


async def subscribers(db: Database, conn: AsyncConnection, tenant_id: str, event: str) -> list[str]:
    """The ids of the tenant's enabled hooks subscribed to `event` (read through `conn` on a miss)."""
    cache = _enabled.get(db)
    if cache is None:
        cache = _enabled[db] = WriteAwareCache(db, _HOOKS_TTL_S, ("hooks",), size=1024)
    hooks = await cache.load(tenant_id, lambda: store.enabled_hooks(conn, tenant_id)) or []
    return [h.id for h in hooks if domain.subscribed(h, event)]


async def begin(route: domain.Route, request: Request, db: Database, tenant_id: str, body: Any) -> Pending:
    path = request.url.path
    path = path[4:] if path.startswith("/api/") else path
    params = dict(zip(route.names, (str(v) for v in request.path_params.values()), strict=False))
    context: dict[str, Any] = {"createdAt": domain.iso(now_ms())}
    agent = request.headers.get("user-agent")
    if agent is not None:
        context["userAgent"] = agent
    if request.client is not None:
        context["ip"] = request.client.host
    context.update(path=path, method=request.method, params=params, matchedRoute=route.matched)
    if route.event == domain.MEMBERSHIP:
        if isinstance(body, BaseModel):  # a declared body: the ids as sent, by their wire names
            body = body.model_dump(by_alias=True)
        if body is None and request.method != "DELETE":  # a handler reading its body by hand
            try:  # Starlette keeps the body: the handler reads the same bytes
                body = orjson.loads(await request.body() or b"{}")
            except orjson.JSONDecodeError:
                body = None  # the handler answers 400 and the event is dropped
        before = None
        if request.method == "PUT":  # a replace: the delta needs the members it starts from
            async with db.read() as conn:
                before = await store.organization_members(conn, tenant_id, params.get("id", ""), route.matched)
        context["extra"] = domain.membership(request.method, route.matched, params, body, before)
    pending = Pending(db, tenant_id, route.event, context)
    if route.event == "User.Created":  # with a subscriber, the create commits with its outbox rows
        async with db.read() as conn:
            if await subscribers(db, conn, tenant_id, route.event):
                users_create.needs_transaction.set(True)
    if route.event == "User.Deleted":  # Logto sends the user as it was; read it while it exists
        async with db.read() as conn:
            found = await users.find_user(conn, tenant_id, params.get("userId", ""))
        pending.data = rows.user_info(found) if found is not None else None
    current.set(pending)
    return pending


async def _rows(
    conn: AsyncConnection, pending: Pending, status: int | None, data: Any, ready: bool
) -> list[tuple[int, str]]:
    hooks = await subscribers(pending.db, conn, pending.tenant_id, pending.event)
    if not hooks:
        return []
    now = now_ms()
    rows = [
        {"tenant_id": pending.tenant_id, "hook_id": hook_id, "event": pending.event, "context": pending.context,
         "status": status, "data": data, "ready": ready, "attempts": 0, "due_at": now, "created_at": now}
        for hook_id in hooks
    ]  # fmt: skip
    return list(zip(await store.add_outbox(conn, rows), hooks, strict=True))


async def before_commit(conn: AsyncConnection, collector: events.Collector) -> None:
    """`Database.write()` hook: the request's first changing transaction carries its outbox rows."""
    pending = current.get()
    if pending is None or pending.ids is not None or not collector.events:
        return
    pending.staged = await _rows(conn, pending, None, None, False)


def after_commit(_found: Sequence[events.Event]) -> None:
    """`Database.subscribe` hook: the staged rows are now committed."""
    pending = current.get()
    if pending is not None and pending.staged is not None and pending.ids is None:
        pending.ids, pending.staged = pending.staged, None


def _spawn(coro: Any) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _finish(db: Database, pending: Pending, status: int, data: Any, worker: Any) -> None:
    async with db.write() as conn:
        if pending.ids is None:  # nothing went through write() (a one-statement fast path)
            await _rows(conn, pending, status, data, True)
        elif pending.ids:
            await store.finish_outbox(conn, [i for i, _ in pending.ids], status, data, now_ms())
    if worker is not None:
        worker.wake()


def finish(db: Database, pending: Pending, status: int, body: bytes, worker: Any) -> None:
    """After the answer: success makes the rows deliverable, anything else drops them. Runs off
    the request (the caller does not wait). The usual way: the committed rows go to this
    process's worker in memory, which delivers them at once (the row stays in the database until
    then: a crash leaves it orphaned, see above); a first failure writes status and data."""
    current.set(None)
    if 200 <= status < 300:
        data = pending.data if pending.data is not None else orjson.loads(body) if body else None
        if worker is not None and pending.ids and worker.hand_off(
            pending.tenant_id, pending.event, pending.context, pending.ids, status, data
        ):
            return
        if pending.ids is None or pending.ids:
            _spawn(_finish(db, pending, status, data, worker))
    elif pending.ids:
        _spawn(_drop(db, [i for i, _ in pending.ids]))


async def _drop(db: Database, ids: list[int]) -> None:
    async with db.write() as conn:
        await store.drop_outbox(conn, ids)


async def drain() -> None:
    """Wait for the finishing tasks still running (shutdown)."""
    if _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)
