"""Organization scopes routes (Logto tag "Organization scopes", 5 operations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from authkeep import ids
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.organizations import schemas
from authkeep.domain import organizations as rules
from authkeep.errors import LogtoError, not_exists_with_id, not_found
from authkeep.store import organization_roles as store
from authkeep.store.organizations import scope_out

router = ApiRouter(policy="management", family="organizations")
TABLE = "organization_scopes"


@router.get("/organization-scopes", paged="optional")
async def list_scopes(ctx: Ctx) -> Response:
    page = ctx.page

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.list_scopes(conn, ctx.tenant_id, ctx.query.get("q"), page)

    items, total = await rules.read(ctx.db, work)
    return ctx.paged(items, total)


@router.post("/organization-scopes", body=schemas.OrganizationScopeCreate)
async def create_scope(ctx: Ctx) -> dict[str, Any]:
    body: schemas.OrganizationScopeCreate = ctx.body
    values = {"tenant_id": ctx.tenant_id, "id": ids.standard_id(), "name": body.name, "description": body.description}

    async def work(conn: AsyncConnection) -> Any:
        return await store.insert_scope(conn, values)

    return scope_out(await rules.write(ctx.db, work))


@router.get("/organization-scopes/{id}")
async def get_scope(ctx: Ctx) -> dict[str, Any]:
    async def work(conn: AsyncConnection) -> Any:
        return await store.find_scope(conn, ctx.tenant_id, ctx.param("id"))

    row = await rules.read(ctx.db, work)
    if row is None:
        raise not_exists_with_id(TABLE, ctx.param("id"))
    return scope_out(row)


@router.patch("/organization-scopes/{id}", body=schemas.OrganizationScopePatch)
async def update_scope(ctx: Ctx) -> dict[str, Any]:
    body: schemas.OrganizationScopePatch = ctx.body
    values = schemas.patch_values(body, {"name": "name", "description": "description"})

    async def work(conn: AsyncConnection) -> Any:
        return await store.update_scope(conn, ctx.tenant_id, ctx.param("id"), values)

    row = await rules.write(ctx.db, work)
    if row is None:
        raise LogtoError("entity.not_exists", 404, name="organization_scope")
    return scope_out(row)


@router.delete("/organization-scopes/{id}")
async def delete_scope(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.delete_scope(conn, ctx.tenant_id, ctx.param("id"))

    if not await rules.write(ctx.db, work):
        raise not_found()
