"""Organizations routes (Logto tag "Organizations"): the organizations themselves. Members,
application members and just-in-time provisioning are sibling modules of this package.

Error codes follow Logto's organization routers: FK violations are 422
`entity.relation_foreign_key_not_found`, unique violations 422 `entity.unique_integrity_violation`,
wrong role or application types 422 `entity.db_constraint_violated` (logto-facts §12).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from authkeep import clock, ids, web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.organizations import schemas
from authkeep.domain import organizations as rules
from authkeep.errors import LogtoError, not_exists_with_id, not_found
from authkeep.store import organizations as store

router = ApiRouter(policy="management", family="organizations")
TABLE = "organizations"


# --- organizations -----------------------------------------------------------------------------------


@router.get("/organizations", paged=True, reads=("organizations", "users"))
async def list_organizations(ctx: Ctx) -> Response:
    page = ctx.page
    keyword = ctx.query.get("q")
    featured = web.yes(ctx.query.get("showFeatured"))

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        found, total = await store.list_organizations(conn, ctx.tenant_id, keyword, page)
        items = [store.organization_out(r) for r in found]
        if featured:
            counts, users = await store.featured_members(conn, ctx.tenant_id, [i["id"] for i in items])
            items = [{**i, "usersCount": counts[i["id"]], "featuredUsers": users[i["id"]]} for i in items]
        return items, total

    items, total = await rules.read(ctx.db, work)
    return ctx.paged(items, total)


@router.post("/organizations", body=schemas.OrganizationCreate)
async def create_organization(ctx: Ctx) -> dict[str, Any]:
    body: schemas.OrganizationCreate = ctx.body
    values = {
        "tenant_id": ctx.tenant_id,
        "id": ids.short_id(),
        "custom_data": {},
        "is_mfa_required": False,
        "color": {},
        "branding": {},
        "created_at": clock.now_ms(),
        **schemas.organization_values(body),
    }

    async def work(conn: AsyncConnection) -> Any:
        return await store.insert_organization(conn, values)

    return store.organization_out(await rules.write(ctx.db, work))


@router.get("/organizations/{id}")
async def get_organization(ctx: Ctx) -> dict[str, Any]:
    async def work(conn: AsyncConnection) -> Any:
        return await store.find_organization(conn, ctx.tenant_id, ctx.param("id"))

    row = await rules.read(ctx.db, work)
    if row is None:
        raise not_exists_with_id(TABLE, ctx.param("id"))
    return store.organization_out(row)


@router.patch("/organizations/{id}", body=schemas.OrganizationPatch)
async def update_organization(ctx: Ctx) -> dict[str, Any]:
    body: schemas.OrganizationPatch = ctx.body
    values = schemas.organization_values(body)

    async def work(conn: AsyncConnection) -> Any:
        return await store.update_organization(conn, ctx.tenant_id, ctx.param("id"), values)

    row = await rules.write(ctx.db, work)
    if row is None:
        raise LogtoError("entity.not_exists", 404, name="organization")
    return store.organization_out(row)


@router.delete("/organizations/{id}")
async def delete_organization(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.delete_organization(conn, ctx.tenant_id, ctx.param("id"))

    if not await rules.write(ctx.db, work):
        raise not_found()
