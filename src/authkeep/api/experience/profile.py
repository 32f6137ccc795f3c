"""Profile in the Experience API: identifiers and passwords collected before submit (Logto
profile-routes.ts POST /profile, PUT /profile/password)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from authkeep import web
from authkeep.api.contract import Ctx
from authkeep.api.experience import common
from authkeep.api.experience.common import PREFIX, router, same_site
from authkeep.domain import experience as domain
from authkeep.domain.experience import flow, sso
from authkeep.errors import LogtoError
from authkeep.store import users as users_store


class ProfileBody(web.Body):
    type: Literal["username", "email", "phone", "password", "social", "extraProfile"]
    value: str = Field(None, max_length=256)  # type: ignore[assignment]
    verification_id: str = Field(None, alias="verificationId", max_length=128)  # type: ignore[assignment]


class NewPassword(web.Body):
    password: str = Field(max_length=256)


async def _user(ctx: Ctx, state: dict[str, Any]) -> Any:
    """The identified user; 404 identifier_not_found (sign-in), None (register)."""
    if not state.get("userId"):
        if state["interactionEvent"] == "Register":
            return None
        raise LogtoError("session.identifier_not_found", 404)
    async with ctx.db.read() as conn:
        return await users_store.get_user(conn, ctx.tenant_id, state["userId"])


def _invalid(field: str) -> LogtoError:
    return LogtoError("guard.invalid_input", 400, type="body", details=f"{field} is invalid")


@router.post(f"{PREFIX}/profile", body=ProfileBody, status=204, before=same_site)
async def update_profile(ctx: Ctx) -> None:
    state = common.state_of(ctx)
    event = state["interactionEvent"]
    body = ctx.body
    async with common.logged(ctx, f"Interaction.{event}.Profile.Update", payload={"type": body.type}):
        if event == "ForgotPassword":
            raise LogtoError("session.not_supported_for_forgot_password", 400)
        sie = await common.sign_in_experience(ctx)
        user = await _user(ctx, state)
        if event == "SignIn":
            flow.guard_mfa_verified(sie, state, user)
        profile = state.setdefault("profile", {})
        if body.type == "username":
            if not body.value or not flow.USERNAME_RE.match(body.value):
                raise _invalid("value")
            found = {"username": body.value}
        elif body.type in ("email", "phone"):
            if not body.verification_id:
                raise _invalid("verificationId")
            kind = domain.CODE_TYPES[body.type]
            record = domain.record_by_id(state, body.verification_id)
            if record["type"] != kind:
                raise LogtoError("session.verification_session_not_found", 404)
            if not domain.is_verified(record):
                raise LogtoError("session.verification_failed", 400)
            async with ctx.db.read() as conn:
                await sso.guard_sso_only_email(conn, ctx.tenant_id, sie, record)
            found = flow.profile_of_identifier(record["identifier"])
        elif body.type == "password":
            if body.value is None:
                raise _invalid("value")
            found = await flow.password_digest(sie, body.value, profile, user)
        else:
            raise LogtoError("session.verification_session_not_found", 404)
        if user is not None:
            flow.guard_not_in_account(user, found)
        async with ctx.db.read() as conn:
            await flow.guard_unique(conn, ctx.tenant_id, found)
        profile.update(found)
        await common.save(ctx, state)


@router.put(f"{PREFIX}/profile/password", body=NewPassword, status=204, before=same_site)
async def reset_password(ctx: Ctx) -> None:
    state = common.state_of(ctx)
    if state["interactionEvent"] != "ForgotPassword":
        raise LogtoError("session.invalid_interaction_type", 400)
    async with common.logged(ctx, "Interaction.ForgotPassword.Profile.Update"):
        if not state.get("userId"):
            raise LogtoError("session.identifier_not_found", 404)
        user = await _user(ctx, state)
        profile = state.setdefault("profile", {})
        profile.update(await flow.password_digest(await common.sign_in_experience(ctx), ctx.body.password, profile, user))
        await common.save(ctx, state)
