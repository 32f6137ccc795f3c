"""A user's roles and organizations (Logto tag "Users")."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import RoleIdsBody
from authkeep.domain import users as rules
from authkeep.errors import LogtoError
from authkeep.store import users as store

router = ApiRouter(policy="management", family="users")


@router.get("/users/{userId}/roles", paged=True, search=store.ROLE_SEARCH, reads=("users", "roles"))
async def list_roles(ctx: Ctx) -> Response:
    user_id = ctx.param("userId")
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        found, total = await store.list_user_roles(conn, ctx.db.dialect, ctx.tenant_id, user_id, ctx.search, ctx.page)
    return ctx.paged(found, total)


@router.post("/users/{userId}/roles", body=RoleIdsBody, status=201)
async def assign_roles(ctx: Ctx) -> dict[str, Any]:
    role_ids = ctx.body.role_ids
    async with ctx.db.write() as conn:
        added = await rules.assign_roles(conn, ctx.tenant_id, ctx.param("userId"), role_ids)
    return {"roleIds": role_ids, "addedRoleIds": added}


@router.put("/users/{userId}/roles", body=RoleIdsBody)
async def replace_roles(ctx: Ctx) -> dict[str, Any]:
    wanted = list(dict.fromkeys(ctx.body.role_ids))
    async with ctx.db.write() as conn:
        await rules.replace_roles(conn, ctx.tenant_id, ctx.param("userId"), wanted)
    return {"roleIds": wanted}


@router.delete("/users/{userId}/roles/{roleId}")
async def remove_role(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        removed = await store.remove_user_roles(conn, ctx.tenant_id, ctx.param("userId"), [ctx.param("roleId")])
    if not removed:
        raise LogtoError("entity.not_found", 404)


@router.get("/users/{userId}/organizations", reads=("users", "organizations"))
async def list_organizations(ctx: Ctx) -> list[dict[str, Any]]:
    user_id = ctx.param("userId")
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        return await store.user_organizations(conn, ctx.tenant_id, user_id)
