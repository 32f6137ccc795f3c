"""Organization roles routes (Logto tag "Organization roles", 13 operations): the organization
template's roles and their organization scopes and API resource scopes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from authkeep import ids
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.organizations import schemas
from authkeep.domain import organizations as rules
from authkeep.domain.organizations import dedupe
from authkeep.errors import LogtoError, not_found
from authkeep.store import organization_roles as store
from authkeep.store.organizations import role_out

router = ApiRouter(policy="management", family="organizations")


@router.get("/organization-roles", paged=True)
async def list_roles(ctx: Ctx) -> Response:
    page = ctx.page

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.list_roles(conn, ctx.tenant_id, ctx.query.get("q"), page)

    items, total = await rules.read(ctx.db, work)
    return ctx.paged(items, total)


@router.post("/organization-roles", body=schemas.OrganizationRoleCreate)
async def create_role(ctx: Ctx) -> dict[str, Any]:
    """The role and its initial scopes in one transaction (none of it stays on an FK error)."""
    body: schemas.OrganizationRoleCreate = ctx.body
    values = {
        "tenant_id": ctx.tenant_id,
        "id": ids.standard_id(),
        "name": body.name,
        "description": body.description,
        "type": body.type,
    }
    scope_ids, resource_scope_ids = dedupe(body.organizationScopeIds), dedupe(body.resourceScopeIds)

    async def work(conn: AsyncConnection) -> Any:
        row = await store.insert_role(conn, values)
        await rules.check_role_targets(conn, "scopes", ctx.tenant_id, scope_ids)
        await rules.check_role_targets(conn, "resource-scopes", ctx.tenant_id, resource_scope_ids)
        await store.add_role_relations(conn, "scopes", ctx.tenant_id, row.id, scope_ids)
        await store.add_role_relations(conn, "resource-scopes", ctx.tenant_id, row.id, resource_scope_ids)
        return row

    return role_out(await rules.write(ctx.db, work))


@router.get("/organization-roles/{id}")
async def get_role(ctx: Ctx) -> dict[str, Any]:
    async def work(conn: AsyncConnection) -> Any:
        return await store.find_role(conn, ctx.tenant_id, ctx.param("id"))

    row = await rules.read(ctx.db, work)
    if row is None:
        raise not_found()
    return role_out(row)


@router.patch("/organization-roles/{id}", body=schemas.OrganizationRolePatch)
async def update_role(ctx: Ctx) -> dict[str, Any]:
    body: schemas.OrganizationRolePatch = ctx.body
    values = schemas.patch_values(body, {"name": "name", "description": "description", "type": "type"})

    async def work(conn: AsyncConnection) -> Any:
        return await store.update_role(conn, ctx.tenant_id, ctx.param("id"), values)

    row = await rules.write(ctx.db, work)
    if row is None:
        raise LogtoError("entity.not_exists", 404, name="organization_role")
    return role_out(row)


@router.delete("/organization-roles/{id}")
async def delete_role(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.delete_role(conn, ctx.tenant_id, ctx.param("id"))

    if not await rules.write(ctx.db, work):
        raise not_found()


def _relation_routes(kind: str, key: str, param: str) -> None:
    """SchemaRouter's `addRelationRoutes` for `/organization-roles/{id}/<kind>`."""
    single, empty_ok = {
        "scopes": (schemas.OrganizationScopeIds, schemas.OrganizationScopeIdsOrEmpty),
        "resource-scopes": (schemas.ScopeIds, schemas.ScopeIdsOrEmpty),
    }[kind]
    lister = {"scopes": store.role_scopes, "resource-scopes": store.role_resource_scopes}[kind]
    path = f"/organization-roles/{{id}}/{kind}"

    async def list_(ctx: Ctx) -> Response:
        page = ctx.page

        async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
            if not await store.role_exists(conn, ctx.tenant_id, ctx.param("id")):
                raise not_found()
            return await lister(conn, ctx.tenant_id, ctx.param("id"), page)

        items, total = await rules.read(ctx.db, work)
        return ctx.paged(items, total)

    async def add(ctx: Ctx) -> None:
        member_ids = dedupe(getattr(ctx.body, key))

        async def work(conn: AsyncConnection) -> None:
            await rules.lock_role(conn, ctx.tenant_id, ctx.param("id"))
            await rules.check_role_targets(conn, kind, ctx.tenant_id, member_ids)
            await store.add_role_relations(conn, kind, ctx.tenant_id, ctx.param("id"), member_ids)

        await rules.write(ctx.db, work)

    async def replace(ctx: Ctx) -> None:
        member_ids = dedupe(getattr(ctx.body, key))

        async def work(conn: AsyncConnection) -> None:
            if not await rules.lock_role(conn, ctx.tenant_id, ctx.param("id"), needed=bool(member_ids)):
                return
            await rules.check_role_targets(conn, kind, ctx.tenant_id, member_ids)
            await store.replace_role_relations(conn, kind, ctx.tenant_id, ctx.param("id"), member_ids)

        await rules.write(ctx.db, work)

    async def remove(ctx: Ctx) -> None:
        async def work(conn: AsyncConnection) -> bool:
            await rules.lock_role(conn, ctx.tenant_id, ctx.param("id"), needed=False)
            return await store.remove_role_relation(conn, kind, ctx.tenant_id, ctx.param("id"), ctx.param(param))

        if not await rules.write(ctx.db, work):
            raise not_found()

    name = kind.replace("-", "_")
    for fn, verb in ((list_, "list"), (add, "add"), (replace, "replace"), (remove, "remove")):
        fn.__name__ = fn.__qualname__ = f"{verb}_role_{name}"
    router.get(path, paged="optional")(list_)
    router.post(path, body=single)(add)
    router.put(path, status=204, body=empty_ok)(replace)
    router.delete(f"{path}/{{{param}}}")(remove)


_relation_routes("scopes", "organizationScopeIds", "organizationScopeId")
_relation_routes("resource-scopes", "scopeIds", "scopeId")
