"""A user's personal access tokens (Logto tag "Users"). Values are sealed at rest."""

from __future__ import annotations

from typing import Any

from authkeep import clock
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import CreatePatBody, PatNameBody, RenamePatBody
from authkeep.domain import users as rules
from authkeep.errors import LogtoError, invalid_input
from authkeep.store import users as store

router = ApiRouter(policy="management", family="users")


def _pat_wire(ctx: Ctx, row: Any) -> dict[str, Any]:
    m = row._mapping
    return {
        "tenantId": m["tenant_id"],
        "userId": m["user_id"],
        "name": m["name"],
        "value": ctx.state.box.open(m["value"], aad=f"pat:{m['tenant_id']}:{m['value_hash']}"),
        "createdAt": m["created_at"],
        "expiresAt": m["expires_at"],
    }


@router.get("/users/{userId}/personal-access-tokens")
async def list_pats(ctx: Ctx) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        found = await store.list_pats(conn, ctx.tenant_id, ctx.param("userId"))
    return [_pat_wire(ctx, r) for r in found]


@router.post("/users/{userId}/personal-access-tokens", body=CreatePatBody)
async def create_pat(ctx: Ctx) -> dict[str, Any]:
    body: CreatePatBody = ctx.body
    now = clock.now_ms()
    if body.expires_at is not None and body.expires_at <= now:
        raise invalid_input("The value of `expiresAt` must be in the future.")
    if body.expires_at is not None and body.expires_at > 2**53:
        raise LogtoError("entity.value_too_long", 422)
    value = rules.new_pat_value()
    digest = store.pat_hash(value)
    async with ctx.db.write() as conn:
        row = await store.insert_pat(
            conn,
            {
                "tenant_id": ctx.tenant_id,
                "user_id": ctx.param("userId"),
                "name": body.name,
                "value": ctx.state.box.seal(value, aad=f"pat:{ctx.tenant_id}:{digest}"),
                "value_hash": digest,
                "created_at": now,
                "expires_at": int(body.expires_at) if body.expires_at is not None else None,
            },
        )
    return _pat_wire(ctx, row)


async def _rename_pat(ctx: Ctx, current: str, new_name: str) -> dict[str, Any]:
    async with ctx.db.write() as conn:
        row = await store.rename_pat(conn, ctx.tenant_id, ctx.param("userId"), current, new_name)
    return _pat_wire(ctx, row)


@router.patch("/users/{userId}/personal-access-tokens", body=RenamePatBody)
async def rename_pat(ctx: Ctx) -> dict[str, Any]:
    body: RenamePatBody = ctx.body
    return await _rename_pat(ctx, body.current_name if body.current_name is not None else body.name, body.name)


@router.patch("/users/{userId}/personal-access-tokens/{name:path}", body=RenamePatBody)
async def rename_pat_by_path(ctx: Ctx) -> dict[str, Any]:
    return await _rename_pat(ctx, ctx.param("name"), ctx.body.name)


@router.delete("/users/{userId}/personal-access-tokens/{name:path}")
async def delete_pat_by_path(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await store.delete_pat(conn, ctx.tenant_id, ctx.param("userId"), ctx.param("name"))


@router.post("/users/{userId}/personal-access-tokens/delete", body=PatNameBody, status=204)
async def delete_pat(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await store.delete_pat(conn, ctx.tenant_id, ctx.param("userId"), ctx.body.name)
