"""Organization application members (machine-to-machine only) and their organization roles."""

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


# --- application members (machine-to-machine only) ----------------------------------------------------


@router.get("/organizations/{id}/applications", paged=True, reads=("organizations", "applications"))
async def list_applications(ctx: Ctx) -> Response:
    page = ctx.page

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.list_applications(
            conn, ctx.tenant_id, ctx.param("id"), page, ctx.query.get("q"), ctx.state.box
        )

    items, total = await rules.read(ctx.db, work)
    return ctx.paged(items, total)


@router.post("/organizations/{id}/applications", body=schemas.ApplicationIds)
async def add_applications(ctx: Ctx) -> None:
    body: schemas.ApplicationIds = ctx.body
    app_ids = dedupe(body.applicationIds)

    async def work(conn: AsyncConnection) -> None:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
        await rules.check_apps(conn, ctx.tenant_id, app_ids)
        await store.add_applications(conn, ctx.tenant_id, ctx.param("id"), app_ids)

    await rules.write(ctx.db, work)


@router.put("/organizations/{id}/applications", status=204, body=schemas.ApplicationIdsOrEmpty)
async def replace_applications(ctx: Ctx) -> None:
    body: schemas.ApplicationIdsOrEmpty = ctx.body
    app_ids = dedupe(body.applicationIds)

    async def work(conn: AsyncConnection) -> None:
        if not await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=bool(app_ids)):
            return
        await rules.check_apps(conn, ctx.tenant_id, app_ids)
        await store.replace_applications(conn, ctx.tenant_id, ctx.param("id"), app_ids)

    await rules.write(ctx.db, work)


@router.delete("/organizations/{id}/applications/{applicationId}")
async def remove_application(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=False)
        return await store.remove_application(conn, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"))

    if not await rules.write(ctx.db, work):
        raise not_found()


@router.post("/organizations/{id}/applications/roles", body=schemas.ApplicationsRoles)
async def add_applications_roles(ctx: Ctx) -> None:
    body: schemas.ApplicationsRoles = ctx.body
    pairs = rules.pairs(body.applicationIds, body.organizationRoleIds)

    async def work(conn: AsyncConnection) -> None:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
        await rules.check_roles(conn, ctx.tenant_id, body.organizationRoleIds, rules.M2M)
        await rules.check_app_members(conn, ctx.tenant_id, ctx.param("id"), body.applicationIds)
        await store.add_app_roles(conn, ctx.tenant_id, ctx.param("id"), pairs)

    await rules.write(ctx.db, work)


@router.get("/organizations/{id}/applications/{applicationId}/roles", reads=("organizations", "applications"))
async def list_application_roles(ctx: Ctx) -> Response:
    await rules.require_app_member(ctx.db, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"))
    page = ctx.page = paging.parse_page(ctx.request, optional=True)  # after the membership check, as Logto

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.app_roles(conn, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"), page)

    items, total = await rules.read(ctx.db, work)
    return ctx.paged(items, total)


async def _write_app_roles(ctx: Ctx, replace: bool) -> None:
    await rules.require_app_member(ctx.db, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"))
    body = await web.read_body(ctx.request, schemas.OrganizationRoleIds)  # after the membership check
    role_ids = dedupe(body.organizationRoleIds)
    org_id, app_id = ctx.param("id"), ctx.param("applicationId")

    async def work(conn: AsyncConnection) -> None:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
        await rules.check_roles(conn, ctx.tenant_id, role_ids, rules.M2M)
        if not await store.is_app_member(conn, ctx.tenant_id, org_id, app_id):
            raise rules.foreign_key_error()
        if replace:
            await store.replace_app_roles(conn, ctx.tenant_id, org_id, app_id, role_ids)
        else:
            await store.add_app_roles(conn, ctx.tenant_id, org_id, [(app_id, r) for r in role_ids])

    await rules.write(ctx.db, work)


@router.post("/organizations/{id}/applications/{applicationId}/roles")
async def add_application_roles(ctx: Ctx) -> None:
    await _write_app_roles(ctx, replace=False)


@router.put("/organizations/{id}/applications/{applicationId}/roles", status=204)
async def replace_application_roles(ctx: Ctx) -> None:
    await _write_app_roles(ctx, replace=True)


@router.delete("/organizations/{id}/applications/{applicationId}/roles/{organizationRoleId}")
async def remove_application_role(ctx: Ctx) -> None:
    await rules.require_app_member(ctx.db, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"))

    async def work(conn: AsyncConnection) -> bool:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=False)
        return await store.remove_app_role(
            conn, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"), ctx.param("organizationRoleId")
        )

    if not await rules.write(ctx.db, work):
        raise not_found()
