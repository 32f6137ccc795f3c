"""Users routes (Logto tag "Users"): list, create, read, update and delete users (docs/users.md).
Sub-resources are sibling modules of this package."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.common import user_wire
from authkeep.api.users.schemas import CreateUser, UpdateUser, UserListQuery, UserQuery
from authkeep.domain import users as rules
from authkeep.errors import LogtoError, invalid_input
from authkeep.store import users as store

router = ApiRouter(policy="management", family="users")


@router.get(
    "/users", query=UserListQuery, paged=True, search=store.SEARCH,
    reads_if={"excludeRoleId": ("roles",), "excludeOrganizationId": ("organizations",)},
)  # fmt: skip
async def list_users(ctx: Ctx) -> Response:
    q: UserListQuery = ctx.q
    if q.exclude_role_id and q.exclude_organization_id:
        raise invalid_input(
            "Parameter `excludeRoleId` and `excludeOrganizationId` cannot be used at the same time."
        )
    found, total = await store.list_page(
        ctx.db, ctx.tenant_id, ctx.search, ctx.page, q.exclude_role_id or None, q.exclude_organization_id or None
    )
    return ctx.paged([user_wire(r, include_hash=q.include_password_hash) for r in found], total)


@router.post("/users", body=CreateUser, status=200)
async def create_user(ctx: Ctx) -> dict[str, Any]:
    body: CreateUser = ctx.body
    given = body.model_fields_set
    password = await rules.new_password(body.password, body.password_digest, body.password_algorithm)
    values: dict[str, Any] = {}
    for key in ("username", "primary_email", "name", "avatar"):
        if key in given and getattr(body, key) is not None:
            values[key] = getattr(body, key)
    if body.primary_phone:
        values["primary_phone"] = body.primary_phone
    if "custom_data" in given:
        values["custom_data"] = body.custom_data
    if "profile" in given:
        values["profile"] = body.profile.wire()
    row = await rules.create_user(
        ctx.db, ctx.tenant_id, values, password, body.password_algorithm, body.password_digest
    )
    return user_wire(row)


@router.get("/users/{userId}", query=UserQuery)
async def get_user(ctx: Ctx) -> dict[str, Any]:
    q: UserQuery = ctx.q
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        sso = await store.sso_identities(conn, ctx.tenant_id, row.id) if q.include_sso_identities else None
    return user_wire(row, include_hash=q.include_password_hash, sso=sso)


@router.patch("/users/{userId}", body=UpdateUser)
async def update_user(ctx: Ctx) -> dict[str, Any]:
    body: UpdateUser = ctx.body
    given = body.model_fields_set
    values: dict[str, Any] = {}
    for key in ("username", "primary_email", "primary_phone", "name", "avatar", "custom_data"):
        if key in given:
            values[key] = getattr(body, key)
    if "profile" in given:
        values["profile"] = body.profile.wire()
    async with ctx.db.write() as conn:
        row = await rules.update_user(conn, ctx.tenant_id, ctx.param("userId"), values)
    return user_wire(row)


@router.delete("/users/{userId}")
async def delete_user(ctx: Ctx) -> None:
    user_id = ctx.param("userId")
    if user_id == ctx.auth.subject:
        raise LogtoError("user.cannot_delete_self", 400)
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        await store.delete_user(conn, ctx.tenant_id, user_id)
