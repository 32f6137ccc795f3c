"""Resources routes (Logto tag "Resources"): API resources and their scopes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from starlette.responses import Response

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import resources as domain
from authkeep.store import resources as store
from authkeep.store import rows

router = ApiRouter(policy="management", family="resources")

# JS clients cannot hold larger integers exactly; also keeps `exp = now + ttl` far from int64 overflow.
MAX_TTL = 2**53 - 1


# NUL in a body is refused by web.read_json before these models see it.
Text = Annotated[str, Field(min_length=1)]
ScopeName = Annotated[str, Field(min_length=1, max_length=256)]
Ttl = Annotated[int, Field(ge=1, le=MAX_TTL)]

# Optional fields default to None but are typed non-null: an explicit `null` is a 400, as in zod.


class ResourceCreate(web.Body):
    name: Text
    indicator: Text
    access_token_ttl: Ttl = Field(None, alias="accessTokenTtl")  # type: ignore[assignment]


class ResourcePatch(web.Body):
    name: Text = None  # type: ignore[assignment]
    access_token_ttl: Ttl = Field(None, alias="accessTokenTtl")  # type: ignore[assignment]


class IsDefault(web.Body):
    is_default: bool = Field(alias="isDefault")


class ResourceQuery(web.Query):
    include_scopes: web.Yes = Field(False, alias="includeScopes")


class ScopeCreate(web.Body):
    name: ScopeName
    description: str | None = None


class ScopePatch(web.Body):
    name: ScopeName = None  # type: ignore[assignment]
    description: str | None = None


def _set(body: web.Body, columns: dict[str, str]) -> dict[str, Any]:
    """Only the fields the client sent, keyed by column."""
    return {
        col: getattr(body, attr) for attr, col in columns.items() if attr in body.model_fields_set
    }


@router.get("/resources", query=ResourceQuery, paged="optional")
async def list_resources(ctx: Ctx) -> Response:
    with_scopes = ctx.q.include_scopes
    async with ctx.db.read() as conn:
        total, found = await store.list_resources(conn, ctx.tenant_id, ctx.page)
        scopes = await store.scopes_by_resource(conn, ctx.tenant_id, [r.id for r in found]) if with_scopes else {}
    items = []
    for row in found:
        item = rows.resource(row)
        if with_scopes:
            item["scopes"] = [rows.scope(s) for s in scopes[row.id]]
        items.append(item)
    return ctx.paged(items, total)


@router.post("/resources", body=ResourceCreate)
async def create_resource(ctx: Ctx) -> dict[str, Any]:
    body: ResourceCreate = ctx.body
    async with ctx.db.write() as conn:
        values = await domain.create(conn, ctx.tenant_id, body.name, body.indicator, body.access_token_ttl)
    return {**rows.resource(values), "scopes": []}


@router.get("/resources/{id}")
async def get_resource(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        return rows.resource(await domain.require(conn, ctx.tenant_id, ctx.param("id")))


@router.patch("/resources/{id}", body=ResourcePatch)
async def update_resource(ctx: Ctx) -> dict[str, Any]:
    # `indicator` and `isDefault` are not fields here, so they are dropped silently (as in Logto).
    changes = _set(ctx.body, {"name": "name", "access_token_ttl": "access_token_ttl"})
    async with ctx.db.write() as conn:
        return rows.resource(await domain.update(conn, ctx.tenant_id, ctx.param("id"), changes))


@router.patch("/resources/{id}/is-default", body=IsDefault)
async def set_default(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.write() as conn:
        return rows.resource(await domain.set_default(conn, ctx.tenant_id, ctx.param("id"), ctx.body.is_default))


@router.delete("/resources/{id}")
async def delete_resource(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await domain.delete(conn, ctx.tenant_id, ctx.param("id"))


@router.get("/resources/{resourceId}/scopes", paged=True, search=store.SCOPE_SEARCH)
async def list_scopes(ctx: Ctx) -> Response:
    # An unknown resource simply has no scopes (no 404), as in Logto.
    search = ctx.search  # its errors come before the database is asked
    async with ctx.db.read() as conn:
        total, found = await store.list_scopes(conn, ctx.tenant_id, ctx.param("resourceId"), search, ctx.page)
    return ctx.paged([rows.scope(s) for s in found], total)


@router.post("/resources/{resourceId}/scopes", body=ScopeCreate)
async def create_scope(ctx: Ctx) -> dict[str, Any]:
    body: ScopeCreate = ctx.body
    async with ctx.db.write() as conn:
        values = await domain.create_scope(conn, ctx.tenant_id, ctx.param("resourceId"), body.name, body.description)
    return rows.scope(values)


@router.patch("/resources/{resourceId}/scopes/{scopeId}", body=ScopePatch)
async def update_scope(ctx: Ctx) -> dict[str, Any]:
    changes = _set(ctx.body, {"name": "name", "description": "description"})
    async with ctx.db.write() as conn:
        row = await domain.update_scope(conn, ctx.tenant_id, ctx.param("resourceId"), ctx.param("scopeId"), changes)
    return rows.scope(row)


@router.delete("/resources/{resourceId}/scopes/{scopeId}")
async def delete_scope(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await domain.delete_scope(conn, ctx.tenant_id, ctx.param("resourceId"), ctx.param("scopeId"))
