"""A user's custom data, profile and logto-configs (Logto tag "Users")."""

from __future__ import annotations

from typing import Any

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import CustomDataBody, LogtoConfigBody, ProfileBody
from authkeep.domain import users as rules
from authkeep.store import users as store

router = ApiRouter(policy="management", family="users")


@router.get("/users/{userId}/custom-data")
async def get_custom_data(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    return row.custom_data


@router.patch("/users/{userId}/custom-data", body=CustomDataBody)
async def patch_custom_data(ctx: Ctx) -> Any:
    user_id = ctx.param("userId")
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        row = await store.merge_json(conn, ctx.db.dialect, ctx.tenant_id, user_id, "custom_data", ctx.body.custom_data)
    return row.custom_data


@router.patch("/users/{userId}/profile", body=ProfileBody)
async def patch_profile(ctx: Ctx) -> Any:
    user_id = ctx.param("userId")
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        row = await store.merge_json(conn, ctx.db.dialect, ctx.tenant_id, user_id, "profile", ctx.body.profile.wire())
    return row.profile


@router.get("/users/{userId}/logto-configs")
async def get_logto_configs(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    return rules.logto_config_response(row.logto_config)


@router.patch("/users/{userId}/logto-configs", body=LogtoConfigBody)
async def patch_logto_configs(ctx: Ctx) -> dict[str, Any]:
    body: LogtoConfigBody = ctx.body
    mfa = body.mfa.model_dump(by_alias=True, exclude_unset=True) if body.mfa else {}
    mfa = {k: mfa.get(k) for k in ("enabled", "skipped", "skipMfaOnSignIn")}
    passkey = {"skipped": body.passkey_sign_in.skipped} if body.passkey_sign_in else {}
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        config = rules.merge_logto_config(row.logto_config, mfa, passkey)
        row = await store.update_user(conn, ctx.tenant_id, row.id, {"logto_config": config})
    return rules.logto_config_response(row.logto_config)
