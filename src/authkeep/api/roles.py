"""Roles routes (Logto tag "Roles"): roles and their scopes, users and applications."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field
from starlette.responses import Response

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import roles as domain
from authkeep.store import resources as resource_store
from authkeep.store import roles as store
from authkeep.store import rows

router = ApiRouter(policy="management", family="roles")

RoleType = Literal["User", "MachineToMachine"]
# NUL in a body is refused by web.read_json before these models see it.
RoleText = Annotated[str, Field(min_length=1, max_length=128)]
Id = Annotated[str, Field(min_length=1)]
# Ids end up in one SQL IN list; bound it well below the drivers' parameter limits.
MAX_IDS = 1000
Ids = Annotated[list[Id], Field(min_length=1, max_length=MAX_IDS)]


class RoleQuery(web.Query):
    type: RoleType = None  # type: ignore[assignment]
    exclude_user_id: str = Field(None, alias="excludeUserId")  # type: ignore[assignment]
    exclude_application_id: str = Field(None, alias="excludeApplicationId")  # type: ignore[assignment]


class RoleCreate(web.Body):
    name: RoleText
    description: RoleText
    type: RoleType = "User"
    is_default: bool = Field(False, alias="isDefault")
    scope_ids: Annotated[list[Id], Field(max_length=MAX_IDS)] = Field(None, alias="scopeIds")  # type: ignore[assignment]


class RolePatch(web.Body):
    # `type` is immutable: not a field, so it is dropped silently.
    name: RoleText = None  # type: ignore[assignment]
    description: RoleText = None  # type: ignore[assignment]
    is_default: bool = Field(None, alias="isDefault")  # type: ignore[assignment]


class ScopeIds(web.Body):
    scope_ids: Ids = Field(alias="scopeIds")


class UserIds(web.Body):
    user_ids: Ids = Field(alias="userIds")


class ApplicationIds(web.Body):
    application_ids: Ids = Field(alias="applicationIds")


@router.get("/roles", query=RoleQuery, paged=True, search=store.SEARCH, reads=("roles", "users", "applications"))
async def list_roles(ctx: Ctx) -> Response:
    q: RoleQuery = ctx.q
    total, found = await store.list_page(
        ctx.db, ctx.tenant_id, ctx.search, ctx.page, q.type, q.exclude_user_id, q.exclude_application_id
    )
    items = [
        {
            **r.role,
            "usersCount": r.users.count,
            "featuredUsers": r.users.featured,
            "applicationsCount": r.applications.count,
            "featuredApplications": r.applications.featured,
        }
        for r in found
    ]
    return ctx.paged(items, total)


@router.post("/roles", body=RoleCreate, status=200)
async def create_role(ctx: Ctx) -> dict[str, Any]:
    body: RoleCreate = ctx.body
    async with ctx.db.write() as conn:
        values = await domain.create(
            conn, ctx.tenant_id, body.name, body.description, body.type, body.is_default, body.scope_ids or []
        )
    return rows.role(values)


@router.get("/roles/{id}")
async def get_role(ctx: Ctx) -> dict[str, Any]:
    # `#internal:*` roles are hidden from lists only; by id they are reachable.
    async with ctx.db.read() as conn:
        return rows.role(await domain.require(conn, ctx.tenant_id, ctx.param("id")))


@router.patch("/roles/{id}", body=RolePatch)
async def update_role(ctx: Ctx) -> dict[str, Any]:
    body: RolePatch = ctx.body
    fields = {"name": "name", "description": "description", "is_default": "is_default"}
    changes = {col: getattr(body, attr) for attr, col in fields.items() if attr in body.model_fields_set}
    async with ctx.db.write() as conn:
        return rows.role(await domain.update(conn, ctx.tenant_id, ctx.param("id"), changes))


@router.delete("/roles/{id}")
async def delete_role(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await domain.delete(conn, ctx.tenant_id, ctx.param("id"))


@router.get("/roles/{id}/scopes", paged="optional", search=resource_store.SCOPE_SEARCH, reads=("roles", "resources"))
async def list_role_scopes(ctx: Ctx) -> Response:
    role_id = ctx.param("id")
    async with ctx.db.read() as conn:
        await domain.require(conn, ctx.tenant_id, role_id)
        total, pairs = await store.list_role_scopes(conn, ctx.tenant_id, role_id, ctx.search, ctx.page)
    items = [{**rows.scope(scope), "resource": rows.resource(resource)} for scope, resource in pairs]
    return ctx.paged(items, total)


@router.post("/roles/{id}/scopes", body=ScopeIds)
async def add_role_scopes(ctx: Ctx) -> list[dict[str, Any]]:
    async with ctx.db.write() as conn:
        scopes = await domain.add_scopes(conn, ctx.tenant_id, ctx.param("id"), ctx.body.scope_ids)
    return [rows.scope(s) for s in scopes]


@router.delete("/roles/{id}/scopes/{scopeId}")
async def remove_role_scope(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await domain.remove_scope(conn, ctx.tenant_id, ctx.param("id"), ctx.param("scopeId"))


@router.get("/roles/{id}/users", paged=True, search=store.USER_SEARCH, reads=("roles", "users"))
async def list_role_users(ctx: Ctx) -> Response:
    role_id = ctx.param("id")
    async with ctx.db.read() as conn:
        await domain.require(conn, ctx.tenant_id, role_id)
        total, found = await store.list_role_users(conn, ctx.tenant_id, role_id, ctx.search, ctx.page)
    return ctx.paged([rows.user_info(u) for u in found], total)


@router.post("/roles/{id}/users", body=UserIds)
async def add_role_users(ctx: Ctx) -> None:
    # Logto answers 201 with a text/plain "Created"; an empty body is what its clients can read.
    async with ctx.db.write() as conn:
        await domain.add_users(conn, ctx.tenant_id, ctx.param("id"), ctx.body.user_ids)


@router.delete("/roles/{id}/users/{userId}")
async def remove_role_user(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await domain.remove_user(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))


@router.get("/roles/{id}/applications", paged=True, search=store.APPLICATION_SEARCH, reads=("roles", "applications"))
async def list_role_applications(ctx: Ctx) -> Response:
    role_id = ctx.param("id")
    async with ctx.db.read() as conn:
        await domain.require(conn, ctx.tenant_id, role_id)
        total, found = await store.list_role_applications(conn, ctx.tenant_id, role_id, ctx.search, ctx.page)
    return ctx.paged([rows.application(a) for a in found], total)


@router.post("/roles/{id}/applications", body=ApplicationIds)
async def add_role_applications(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await domain.add_applications(conn, ctx.tenant_id, ctx.param("id"), ctx.body.application_ids)


@router.delete("/roles/{id}/applications/{applicationId}")
async def remove_role_application(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await domain.remove_application(conn, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"))
