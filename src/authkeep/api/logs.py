"""Audit logs routes (Logto tag "Audit logs")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.errors import MESSAGES, LogtoError, not_exists_with_id
from authkeep.store import logs as store

router = ApiRouter(policy="management", family="logs")
MAX_MS = 2**53 - 1  # JavaScript's exact integers; bigint columns hold them
MESSAGES.setdefault("log.invalid_time_window", "The time window is invalid.")


class LogQuery(web.Query):
    user_id: str | None = Field(None, alias="userId")
    application_id: str | None = Field(None, alias="applicationId")
    log_key: str | None = Field(None, alias="logKey")
    start_time: Annotated[int, Field(ge=-MAX_MS, le=MAX_MS)] | None = None  # epoch ms
    end_time: Annotated[int, Field(ge=-MAX_MS, le=MAX_MS)] | None = None


def _wire(row: Any) -> dict[str, Any]:
    return {"tenantId": row.tenant_id, "id": row.id, "key": row.key, "payload": row.payload, "createdAt": row.created_at}


@router.get("/logs", query=LogQuery, paged=True)
async def list_logs(ctx: Ctx) -> Any:
    q: LogQuery = ctx.q
    if q.start_time is not None and q.end_time is not None and q.start_time > q.end_time:
        raise LogtoError("log.invalid_time_window", 400)
    filters = {"user_id": q.user_id, "application_id": q.application_id, "log_key": q.log_key,
               "start": q.start_time, "end": q.end_time}  # fmt: skip
    assert ctx.page is not None
    async with ctx.db.read() as conn:
        total, found = await store.list_logs(conn, ctx.tenant_id, filters, ctx.page)
    return ctx.paged([_wire(row) for row in found], total)


@router.get("/logs/{id}")
async def get_log(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await store.get_log(conn, ctx.tenant_id, ctx.param("id"))
    if row is None:
        raise not_exists_with_id("logs", ctx.param("id"))
    return _wire(row)
