"""Webhooks routes (Logto tag "Hooks"). Delivery itself: hooks/ (capture, worker)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import httpx
from pydantic import Field

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.clock import now_ms
from authkeep.domain import hooks as domain
from authkeep.errors import LogtoError, not_exists_with_id
from authkeep.hooks.worker import MAX_LOGGED_BODY, TIMEOUT_S, delivery_log, seal_aad
from authkeep.ids import standard_id, standard_secret
from authkeep.store import hooks as store

router = ApiRouter(policy="management", family="hooks")

Event = Literal[domain.EVENTS]  # type: ignore[valid-type]
DAY_MS = 24 * 3600 * 1000
MAX_MS = 2**53 - 1  # JavaScript's exact integers; bigint columns hold them


class HookConfig(web.Body):
    url: str
    headers: dict[str, str] | None = None
    retries: Annotated[int | float, Field(ge=0, le=3)] | None = None


class HookCreate(web.Body):
    name: Annotated[str, Field(min_length=1, max_length=256)] = ""
    event: Event | None = None
    events: list[Event] | None = None
    config: HookConfig
    enabled: bool = True


class HookPatch(web.Body):
    name: Annotated[str, Field(min_length=1, max_length=256)] = None  # type: ignore[assignment]
    event: Event | None = None
    events: list[Event] = None  # type: ignore[assignment]
    config: HookConfig = None  # type: ignore[assignment]
    enabled: bool = None  # type: ignore[assignment]


class HookTest(web.Body):
    events: Annotated[list[Event], Field(min_length=1)]
    config: HookConfig


class ListQuery(web.Query):
    include_stats: web.Yes = Field(False, alias="includeExecutionStats")


class OneQuery(web.Query):
    include_stats: str = Field("", alias="includeExecutionStats")  # Logto: any non-empty value


class LogsQuery(web.Query):
    log_key: str | None = Field(None, alias="logKey")
    start_time: Annotated[int, Field(ge=-MAX_MS, le=MAX_MS)] | None = None  # epoch ms
    end_time: Annotated[int, Field(ge=-MAX_MS, le=MAX_MS)] | None = None


def _config(config: HookConfig) -> dict[str, Any]:
    return config.model_dump(exclude_unset=True)


def _dedupe(events: list[str]) -> list[str]:
    return list(dict.fromkeys(events))


def _wire(ctx: Ctx, row: Any) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id, "id": row.id, "name": row.name, "event": row.event, "events": row.events,
        "config": row.config, "signingKey": ctx.state.box.open(row.sealed_signing_key, seal_aad(row.tenant_id, row.id)),
        "enabled": row.enabled, "createdAt": row.created_at,
    }  # fmt: skip


async def _with_stats(ctx: Ctx, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        stats = await store.execution_stats(conn, ctx.tenant_id, [i["id"] for i in items], now_ms() - DAY_MS)
    for item in items:
        ok, total = stats.get(item["id"], (0, 0))
        item["executionStats"] = {"successCount": ok, "requestCount": total}
    return items


async def _get(ctx: Ctx, conn: Any) -> Any:
    row = await store.get_hook(conn, ctx.tenant_id, ctx.param("id"))
    if row is None:
        raise not_exists_with_id("hooks", ctx.param("id"))
    return row


@router.get("/hooks", query=ListQuery, paged="optional", cache=False, reads=("hooks", "logs"))
async def list_hooks(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        total, found = await store.list_hooks(conn, ctx.tenant_id, ctx.page)
    items = [_wire(ctx, row) for row in found]
    if ctx.q.include_stats:
        items = await _with_stats(ctx, items)
    return ctx.paged(items, total)


@router.post("/hooks", body=HookCreate)
async def create_hook(ctx: Ctx) -> Any:
    body: HookCreate = ctx.body
    events = _dedupe(body.events or [])
    if not events and body.event is None:
        raise LogtoError("hook.missing_events", 400)
    hook_id = standard_id()
    values = {
        "tenant_id": ctx.tenant_id, "id": hook_id, "name": body.name, "event": body.event, "events": events,
        "config": _config(body.config), "enabled": body.enabled, "created_at": now_ms(),
        "sealed_signing_key": ctx.state.box.seal(standard_secret(), seal_aad(ctx.tenant_id, hook_id)),
    }  # fmt: skip
    async with ctx.db.write() as conn:
        await store.insert_hook(conn, values)
        row = await store.get_hook(conn, ctx.tenant_id, hook_id)
    return _wire(ctx, row)


@router.get("/hooks/{id}", query=OneQuery, cache=False, reads=("hooks", "logs"))
async def get_hook(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        item = _wire(ctx, await _get(ctx, conn))
    if ctx.q.include_stats:
        [item] = await _with_stats(ctx, [item])
    return item


@router.patch("/hooks/{id}", body=HookPatch)
async def update_hook(ctx: Ctx) -> Any:
    body: HookPatch = ctx.body
    sent = body.model_fields_set
    values: dict[str, Any] = {}
    if "events" in sent:
        if not body.events:
            raise LogtoError("hook.missing_events", 400)
        values["events"] = _dedupe(body.events)
    if "config" in sent:
        values["config"] = _config(body.config)
    values.update({name: getattr(body, name) for name in ("name", "event", "enabled") if name in sent})
    async with ctx.db.write() as conn:
        row = await _get(ctx, conn)
        if values:
            await store.update_hook(conn, ctx.tenant_id, row.id, values)
            row = await _get(ctx, conn)
    return _wire(ctx, row)


@router.delete("/hooks/{id}")
async def delete_hook(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        if not await store.delete_hook(conn, ctx.tenant_id, ctx.param("id")):
            raise not_exists_with_id("hooks", ctx.param("id"))


@router.patch("/hooks/{id}/signing-key")
async def rotate_signing_key(ctx: Ctx) -> Any:
    async with ctx.db.write() as conn:
        row = await _get(ctx, conn)
        sealed = ctx.state.box.seal(standard_secret(), seal_aad(row.tenant_id, row.id))
        await store.update_hook(conn, ctx.tenant_id, row.id, {"sealed_signing_key": sealed})
        row = await _get(ctx, conn)
    return _wire(ctx, row)


@router.post("/hooks/{id}/test", body=HookTest, status=204)
async def test_hook(ctx: Ctx) -> None:
    """Sends Logto's sample payload for each event to `config.url`, signed with the hook's key,
    while the caller waits (as Logto). Each attempt is logged like a real delivery."""
    body: HookTest = ctx.body
    async with ctx.db.read() as conn:
        row = await _get(ctx, conn)
    key = ctx.state.box.open(row.sealed_signing_key, seal_aad(row.tenant_id, row.id))
    config = _config(body.config)
    entries = []
    failure: LogtoError | None = None
    async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
        for event in _dedupe(body.events):
            payload = domain.test_payload(row.id, event, now_ms())
            result: dict[str, Any] = {"hookId": row.id, "hookRequest": {"body": payload.decode()}}
            try:
                response = await client.post(config["url"], content=payload, headers=domain.headers(config, key, payload))
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                result["error"] = f"{type(exc).__name__}: request failed"
                entries.append(delivery_log(row.tenant_id, row.id, event, False, result))
                reason = f"Failed to send test payload. Error: {type(exc).__name__}"
                failure = LogtoError("hook.send_test_payload_failed", 422, message=reason)
                break
            text = response.text[:MAX_LOGGED_BODY]
            result["response"] = {"statusCode": response.status_code, "body": text}
            entries.append(delivery_log(row.tenant_id, row.id, event, response.is_success, result))
            if not response.is_success:
                data = {"responseStatus": response.status_code, "responseBody": text}
                failure = LogtoError("hook.endpoint_responded_with_error", 422, data=data)
                break
    async with ctx.db.write() as conn:
        await store.add_logs(conn, entries)
    if failure is not None:
        raise failure


@router.get("/hooks/{id}/recent-logs", query=LogsQuery, paged=True, cache=False, reads=("logs",))
async def recent_logs(ctx: Ctx) -> Any:
    q: LogsQuery = ctx.q
    start, end = q.start_time, q.end_time
    if start is None and end is None:
        start = now_ms() - DAY_MS  # Logto: the last 24 hours unless a window is given
    assert ctx.page is not None
    async with ctx.db.read() as conn:
        total, found = await store.recent_logs(conn, ctx.tenant_id, ctx.param("id"), q.log_key, start, end, ctx.page)
    items = [{"id": r.id, "key": r.key, "payload": r.payload, "createdAt": r.created_at} for r in found]
    return ctx.paged(items, total)
