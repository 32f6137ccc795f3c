"""The Applications router and the lookups its routes share."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.errors import LogtoError, not_exists_with_id
from authkeep.store import applications as store

router = ApiRouter(policy="management", family="applications")
TABLE = "applications"


async def app_row(conn: AsyncConnection, ctx: Ctx, key: str = "id", lock: bool = False, key_share: bool = False) -> Any:
    app_id = ctx.param(key)
    row = await store.find(conn, ctx.tenant_id, app_id, lock=lock, key_share=key_share)
    if row is None:
        raise not_exists_with_id(TABLE, app_id)
    return row


async def m2m_row(conn: AsyncConnection, ctx: Ctx, lock: bool = False) -> Any:
    """`lock`: serialise changes to this app's role links (parallel PUTs deadlocked on PostgreSQL)."""
    row = await app_row(conn, ctx, "applicationId", lock=lock, key_share=True)
    if row.type != "MachineToMachine":
        raise LogtoError("application.invalid_type", 422)
    return row


async def third_party_row(conn: AsyncConnection, ctx: Ctx, key: str) -> Any:
    row = await app_row(conn, ctx, key)
    if not row.is_third_party:
        raise LogtoError("application.third_party_application_only", 422)
    return row


def app_out(ctx: Ctx, row: Any) -> dict[str, Any]:
    return store.app_out(row, ctx.state.box)


def secret_row(ctx: Ctx, app_id: str, name: str, expires_at: int | None) -> dict[str, Any]:
    return {
        "tenant_id": ctx.tenant_id,
        "application_id": app_id,
        "name": name,
        "value": ctx.state.box.seal(ids.standard_secret(), aad=app_id),
        "created_at": clock.now_ms(),
        "expires_at": expires_at,
    }
