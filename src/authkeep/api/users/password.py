"""A user's password and suspension (Logto tag "Users")."""

from __future__ import annotations

from typing import Any

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.common import user_wire
from authkeep.api.users.schemas import ExpirationBody, PasswordBody, SuspendBody
from authkeep.domain import passwords
from authkeep.domain import users as rules
from authkeep.errors import LogtoError
from authkeep.store import users as store

router = ApiRouter(policy="management", family="users")


@router.patch("/users/{userId}/password", body=PasswordBody)
async def patch_password(ctx: Ctx) -> dict[str, Any]:
    user_id = ctx.param("userId")
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
    encrypted = await passwords.hash_password_async(ctx.body.password)
    values = rules.password_values(encrypted, passwords.DEFAULT_ALGORITHM)
    async with ctx.db.write() as conn:
        row = await store.update_user(conn, ctx.tenant_id, user_id, values)
    return user_wire(row)


@router.patch("/users/{userId}/password/expiration", body=ExpirationBody)
async def patch_password_expiration(ctx: Ctx) -> dict[str, Any]:
    is_expired = ctx.body.is_expired
    user_id = ctx.param("userId")
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        if is_expired and not await store.password_expiration_enabled(conn, ctx.tenant_id):
            raise LogtoError("sign_in_experiences.password_expiration_not_enabled", 400)
        row = await store.update_user(conn, ctx.tenant_id, user_id, {"is_password_expired": is_expired})
    return user_wire(row)


@router.post("/users/{userId}/password/verify", body=PasswordBody, status=204)
async def verify_password(ctx: Ctx) -> None:
    await rules.verify_password(ctx.db, ctx.tenant_id, ctx.param("userId"), ctx.body.password)


@router.get("/users/{userId}/has-password")
async def has_password(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    return {"hasPassword": bool(row.password_encrypted)}


@router.patch("/users/{userId}/is-suspended", body=SuspendBody)
async def patch_suspended(ctx: Ctx) -> dict[str, Any]:
    user_id = ctx.param("userId")
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        row = await store.update_user(conn, ctx.tenant_id, user_id, {"is_suspended": ctx.body.is_suspended})
    # Suspension would revoke the user's tokens and sessions; authkeep issues none to users yet.
    return user_wire(row)
