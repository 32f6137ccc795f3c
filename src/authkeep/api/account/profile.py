"""Account API: the profile, password, primary e-mail and phone (Logto `routes/account/index.ts`,
`email-and-phone.ts`). Checks run in Logto's order; a missing scope is 400 where Logto passes the
bare `auth.unauthorized` code to assertThat (RequestError's default status)."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from authkeep import web
from authkeep.api.account import common as c
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import Avatar, Email, NonEmpty, Phone, Profile, Username
from authkeep.domain import account as rules
from authkeep.domain import password_policy, passwords, sign_in_exp
from authkeep.domain import users as user_rules
from authkeep.domain import verification_records as records
from authkeep.errors import LogtoError
from authkeep.store import users as user_store

router = ApiRouter(policy="end_user", family="users")


class PatchAccount(web.Body):
    name: str | None = None
    avatar: Avatar | None = None
    username: Username | None = None
    custom_data: dict[str, Any] = Field(None, alias="customData")  # type: ignore[assignment]


class PasswordBody(web.Body):
    password: NonEmpty


class EmailBody(web.Body):
    email: Email
    new_identifier_verification_record_id: str = Field(alias="newIdentifierVerificationRecordId")


class PhoneBody(web.Body):
    phone: Phone
    new_identifier_verification_record_id: str = Field(alias="newIdentifierVerificationRecordId")


async def _answer(ctx: Ctx, user: Any) -> dict[str, Any]:
    return rules.filtered(rules.scoped_profile(user, ctx.auth.scopes), c.fields(ctx), user)


@router.get("/my-account", before=c.gate, cache=False)
async def get_account(ctx: Ctx) -> Any:
    return await _answer(ctx, await c.load_user(ctx))


@router.patch("/my-account", body=PatchAccount, before=c.gate)
async def patch_account(ctx: Ctx) -> Any:
    body: PatchAccount = ctx.body
    sent = body.model_fields_set
    for key, field in (("name", "name"), ("avatar", "avatar"), ("username", "username"), ("custom_data", "customData")):
        if key in sent:
            c.editable(ctx, field)
    c.scope(ctx, "profile", 400)
    if "custom_data" in sent:
        c.scope(ctx, "custom_data", 400)
    await c.first_party(ctx)
    values: dict[str, Any] = {k: getattr(body, k) for k in ("name", "avatar") if k in sent}
    if "custom_data" in sent:
        values["custom_data"] = body.custom_data
    if "username" in sent:
        await c.require_verified(ctx)
    async with ctx.db.write() as conn:
        user = await c.load_user(ctx, conn)
        if "username" in sent:
            if body.username is None:
                sso = await user_store.sso_identities(conn, ctx.tenant_id, user.id)
                rules.keep_an_identifier(user, len(sso), username=None)
            else:
                doc = await sign_in_exp.current(conn, ctx.tenant_id)
                rules.check_username(body.username, doc.get("usernamePolicy"))
            values["username"] = body.username
        if values:
            user = await user_rules.update_user(conn, ctx.tenant_id, user.id, values)
        else:  # Logto updates (and fires the hook) even for an empty body
            user = await user_store.update_user(conn, ctx.tenant_id, user.id, {"name": user.name})
        await c.user_updated(ctx, conn, user)
    c.wake_hooks(ctx)
    return await _answer(ctx, user)


@router.patch("/my-account/profile", body=Profile, before=c.gate)
async def patch_profile(ctx: Ctx) -> Any:
    body: Profile = ctx.body
    c.editable(ctx, "profile")
    c.scope(ctx, "profile", 400)
    patch = body.wire()
    if "address" in patch:
        c.scope(ctx, "address", 400)
    await c.first_party(ctx)
    async with ctx.db.write() as conn:
        user = await user_store.merge_json(conn, ctx.db.dialect, ctx.tenant_id, c.user_id(ctx), "profile", patch)
        await c.user_updated(ctx, conn, user)
    c.wake_hooks(ctx)
    return rules.scoped_profile(user, ctx.auth.scopes).get("profile", {})


@router.post("/my-account/password", body=PasswordBody, status=204, before=c.gate)
async def set_password(ctx: Ctx) -> None:
    password: str = ctx.body.password
    await c.first_party(ctx)
    user = await c.load_user(ctx)
    if rules.has_verification_method(user):
        await c.require_verified(ctx)
    c.editable(ctx, "password")
    async with ctx.db.read() as conn:
        doc = await sign_in_exp.current(conn, ctx.tenant_id)
    policy = password_policy.full_policy(doc.get("passwordPolicy"))
    info = {"name": user.name, "username": user.username, "email": user.primary_email, "phoneNumber": user.primary_phone}
    info = {k: v for k, v in info.items() if v} if policy["rejects"].get("userInfo") else {}
    issues = await asyncio.to_thread(password_policy.check, policy, password, info)
    if issues:
        raise LogtoError("password.rejected", 422, data=issues)
    same_kind = user.password_encrypted and user.password_encryption_method == passwords.DEFAULT_ALGORITHM
    if same_kind and await passwords.check_async(password, user.password_encrypted, user.password_encryption_method):
        raise LogtoError("user.same_password", 422)
    encrypted = await passwords.hash_password_async(password)
    await c.save_user(ctx, user_rules.password_values(encrypted, passwords.DEFAULT_ALGORITHM))


async def _set_identifier(ctx: Ctx, kind: str, value: str, record_id: str) -> None:
    await c.require_verified(ctx)
    c.editable(ctx, kind)
    c.scope(ctx, kind, 400)
    await c.first_party(ctx)
    column = "primary_email" if kind == "email" else "primary_phone"
    async with ctx.db.write() as conn:
        await records.new_identifier(conn, ctx.tenant_id, record_id, kind, value)
        user = await user_rules.update_user(conn, ctx.tenant_id, c.user_id(ctx), {column: value})
        await c.user_updated(ctx, conn, user)
    c.wake_hooks(ctx)


async def _remove_identifier(ctx: Ctx, kind: str) -> None:
    await c.require_verified(ctx)
    c.editable(ctx, kind)
    c.scope(ctx, kind, 400)
    await c.first_party(ctx)
    column = "primary_email" if kind == "email" else "primary_phone"
    async with ctx.db.write() as conn:
        user = await c.load_user(ctx, conn)
        sso = await user_store.sso_identities(conn, ctx.tenant_id, user.id)
        rules.keep_an_identifier(user, len(sso), **{column: None})
        user = await user_store.update_user(conn, ctx.tenant_id, user.id, {column: None})
        await c.user_updated(ctx, conn, user)
    c.wake_hooks(ctx)


@router.post("/my-account/primary-email", body=EmailBody, status=204, before=c.gate)
async def set_email(ctx: Ctx) -> None:
    body: EmailBody = ctx.body
    await _set_identifier(ctx, "email", body.email, body.new_identifier_verification_record_id)


@router.delete("/my-account/primary-email", before=c.gate)
async def remove_email(ctx: Ctx) -> None:
    await _remove_identifier(ctx, "email")


@router.post("/my-account/primary-phone", body=PhoneBody, status=204, before=c.gate)
async def set_phone(ctx: Ctx) -> None:
    body: PhoneBody = ctx.body
    await _set_identifier(ctx, "phone", body.phone, body.new_identifier_verification_record_id)


@router.delete("/my-account/primary-phone", before=c.gate)
async def remove_phone(ctx: Ctx) -> None:
    await _remove_identifier(ctx, "phone")
