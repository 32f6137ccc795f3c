"""Organization user members and their organization roles (Logto tag "Organizations")."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from authkeep import paging, web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.organizations import schemas
from authkeep.domain import organizations as rules
from authkeep.domain.organizations import dedupe
from authkeep.errors import not_found
from authkeep.store import organizations as store

router = ApiRouter(policy="management", family="organizations")


# --- user members ------------------------------------------------------------------------------------


@router.get("/organizations/{id}/users", paged=True, query=schemas.MemberQuery, reads=("organizations", "users"))
async def list_members(ctx: Ctx) -> Response:
    page = ctx.page
    query: schemas.MemberQuery = ctx.q

    items, total = await rules.guard_db(
        store.list_members(ctx.db, ctx.tenant_id, ctx.param("id"), page, query.q, query.organizationRoleId)
    )
    return ctx.paged(items, total)


@router.post("/organizations/{id}/users", body=schemas.UserIds)
async def add_members(ctx: Ctx) -> dict[str, Any]:
    body: schemas.UserIds = ctx.body
    user_ids = dedupe(body.userIds)

    async def work(conn: AsyncConnection) -> None:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
        await rules.check_users(conn, ctx.tenant_id, user_ids)
        await store.add_members(conn, ctx.tenant_id, ctx.param("id"), user_ids)

    await rules.write(ctx.db, work)
    return {"userIds": body.userIds}  # echoed as sent, as Logto


@router.put("/organizations/{id}/users", status=204, body=schemas.UserIdsOrEmpty)
async def replace_members(ctx: Ctx) -> None:
    body: schemas.UserIdsOrEmpty = ctx.body
    user_ids = dedupe(body.userIds)

    async def work(conn: AsyncConnection) -> None:
        if not await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=bool(user_ids)):
            return
        await rules.check_users(conn, ctx.tenant_id, user_ids)
        await store.replace_members(conn, ctx.tenant_id, ctx.param("id"), user_ids)

    await rules.write(ctx.db, work)


@router.delete("/organizations/{id}/users/{userId}")
async def remove_member(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=False)
        return await store.remove_member(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))

    if not await rules.write(ctx.db, work):
        raise not_found()


@router.post("/organizations/{id}/users/roles", body=schemas.UsersRoles)
async def add_members_roles(ctx: Ctx) -> None:
    body: schemas.UsersRoles = ctx.body
    pairs = rules.pairs(body.userIds, body.organizationRoleIds)

    async def work(conn: AsyncConnection) -> None:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
        await rules.check_roles(conn, ctx.tenant_id, body.organizationRoleIds, "User")
        await rules.check_members(conn, ctx.tenant_id, ctx.param("id"), body.userIds)
        await store.add_member_roles(conn, ctx.tenant_id, ctx.param("id"), pairs)

    await rules.write(ctx.db, work)


@router.get("/organizations/{id}/users/{userId}/roles", reads=("organizations", "users"))
async def list_member_roles(ctx: Ctx) -> Response:
    await rules.require_member(ctx.db, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))
    page = ctx.page = paging.parse_page(ctx.request, optional=True)  # after the membership check, as Logto

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.member_roles(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"), page)

    items, total = await rules.read(ctx.db, work)
    return ctx.paged(items, total)


@router.post("/organizations/{id}/users/{userId}/roles")
async def add_member_roles(ctx: Ctx) -> dict[str, Any]:
    await rules.require_member(ctx.db, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))
    body = await web.read_body(ctx.request, schemas.RoleIdsOrNames)  # after the membership check, as Logto

    async def work(conn: AsyncConnection) -> list[str]:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
        role_ids = await rules.role_ids_from(conn, ctx.tenant_id, body.organizationRoleIds or [], body.organizationRoleNames or [])
        await rules.check_roles(conn, ctx.tenant_id, role_ids, "User")
        if not await store.is_member(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId")):
            raise rules.foreign_key_error()  # removed meanwhile
        await store.add_member_roles(
            conn, ctx.tenant_id, ctx.param("id"), [(ctx.param("userId"), r) for r in role_ids]
        )
        return role_ids

    return {"organizationRoleIds": await rules.write(ctx.db, work)}


@router.put("/organizations/{id}/users/{userId}/roles", status=204)
async def replace_member_roles(ctx: Ctx) -> None:
    await rules.require_member(ctx.db, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))
    body = await web.read_body(ctx.request, schemas.RoleIdsOrNames)  # after the membership check, as Logto

    async def work(conn: AsyncConnection) -> None:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
        role_ids = await rules.role_ids_from(conn, ctx.tenant_id, body.organizationRoleIds or [], body.organizationRoleNames or [])
        await rules.check_roles(conn, ctx.tenant_id, role_ids, "User")
        if role_ids and not await store.is_member(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId")):
            raise rules.foreign_key_error()
        await store.replace_member_roles(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"), role_ids)

    await rules.write(ctx.db, work)


@router.delete("/organizations/{id}/users/{userId}/roles/{organizationRoleId}")
async def remove_member_role(ctx: Ctx) -> None:
    await rules.require_member(ctx.db, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))

    async def work(conn: AsyncConnection) -> bool:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=False)
        return await store.remove_member_role(
            conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"), ctx.param("organizationRoleId")
        )

    if not await rules.write(ctx.db, work):
        raise not_found()


@router.get("/organizations/{id}/users/{userId}/scopes", reads=("organizations", "users"))
async def list_member_scopes(ctx: Ctx) -> list[dict[str, Any]]:
    async def work(conn: AsyncConnection) -> list[dict[str, Any]]:
        return await store.member_scopes(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))

    return await rules.read(ctx.db, work)
