"""Experience API: start, inspect, switch, identify, submit (Logto routes/experience/index.ts)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.responses import Response

from authkeep import clock, web
from authkeep.api.contract import Ctx
from authkeep.api.experience import common
from authkeep.api.experience.common import PREFIX, Event, router, same_site
from authkeep.domain import actions
from authkeep.domain import experience as domain
from authkeep.domain.experience import flow, sso
from authkeep.errors import LogtoError
from authkeep.store import sso_connectors as connectors_store
from authkeep.store import users as users_store


class Start(web.Body):
    interaction_event: Event = Field(alias="interactionEvent")
    captcha_token: str = Field(None, alias="captchaToken", max_length=4096)  # type: ignore[assignment]


class SwitchEvent(web.Body):
    interaction_event: Event = Field(alias="interactionEvent")


class Identification(web.Body):
    verification_id: str = Field(None, alias="verificationId", max_length=128)  # type: ignore[assignment]
    link_social_identity: bool = Field(None, alias="linkSocialIdentity")  # type: ignore[assignment]


@router.put(PREFIX, body=Start, status=204, before=same_site)
async def start(ctx: Ctx) -> None:
    event = ctx.body.interaction_event
    ctx.auth.experience = domain.new_state(event, common.client_ip(ctx))
    async with common.logged(ctx, f"Interaction.{event}.Create"):
        if ctx.body.captcha_token:
            # No captcha provider is verified server-side yet: a token cannot pass.
            raise LogtoError("session.captcha_failed", 422)
        await common.save(ctx, ctx.auth.experience)


@router.get(f"{PREFIX}/interaction", cache=False, before=same_site)
async def show(ctx: Ctx) -> dict[str, Any]:
    return domain.sanitized(common.state_of(ctx))


@router.put(f"{PREFIX}/interaction-event", body=SwitchEvent, status=204, before=same_site)
async def switch_event(ctx: Ctx) -> None:
    state = common.state_of(ctx)
    wanted, current = ctx.body.interaction_event, state["interactionEvent"]
    async with common.logged(ctx, f"Interaction.{current}.Update", interactionEvent=wanted):
        sie = await common.sign_in_experience(ctx)
        flow.guard_event(sie, wanted, flow.has_verified(state, "OneTimeToken"))
        if (wanted == "ForgotPassword") != (current == "ForgotPassword"):
            raise LogtoError("session.not_supported_for_forgot_password", 400)
        if wanted != current:
            state["profile"] = {k: v for k, v in state.get("profile", {}).items() if k == "submitted"}
        state["interactionEvent"] = wanted
        await common.save(ctx, state)


@router.post(f"{PREFIX}/identification", body=Identification, status=204, before=same_site)
async def identification(ctx: Ctx) -> Response:
    state = common.state_of(ctx)
    event = state["interactionEvent"]
    verification_id = ctx.body.verification_id
    async with common.logged(ctx, f"Interaction.{event}.Identifier.Submit",
                             payload={"verificationId": verification_id}) as log:  # fmt: skip
        sie = await common.sign_in_experience(ctx)
        if event == "Register":
            user = await _register(ctx, state, sie, verification_id)
            log["user"] = {"id": user.id}
            return web.empty(201)
        if not verification_id:
            raise LogtoError("guard.invalid_input", 400, message="The request {{type}} is invalid.",
                             details="verificationId is missing")  # fmt: skip
        record = domain.record_by_id(state, verification_id)
        log["verification"] = {k: v for k, v in record.items() if k not in ("passwordEncrypted", "secret")}
        flow.guard_identification_method(sie, event, record)
        synced: dict[str, Any] = {}
        async with ctx.db.read() as conn:
            if event == "SignIn" and not (record["type"] == "OneTimeToken" and domain.is_verified(record)):
                await sso.guard_sso_only_email(conn, ctx.tenant_id, sie, record)
            if record["type"] == "EnterpriseSso":
                row = await connectors_store.find(conn, ctx.tenant_id, record.get("connectorId") or "")
                user, synced = await sso.identify(conn, ctx.tenant_id, record, bool(row is not None and row.sync_profile))
            else:
                user = await flow.user_of_record(conn, ctx.tenant_id, record)
        if user.is_suspended:
            raise LogtoError("user.suspended", 401)
        if state.get("userId"):
            if state["userId"] != user.id:
                raise LogtoError("session.identity_conflict", 409)
            return web.empty(204)
        state["userId"] = user.id
        state.setdefault("profile", {}).update(synced)
        await common.save(ctx, state)
    return web.empty(204)


async def _register(ctx: Ctx, state: dict[str, Any], sie: dict[str, Any], verification_id: str | None) -> Any:
    profile = state.setdefault("profile", {})
    if verification_id:
        record = domain.record_by_id(state, verification_id)
        if record["type"] not in ("NewPasswordIdentity", "EmailVerificationCode", "PhoneVerificationCode",
                                  "OneTimeToken", "Social", "EnterpriseSso") or not domain.is_verified(record):  # fmt: skip
            raise LogtoError("session.verification_failed", 400)
        if record["type"] != "EnterpriseSso":
            async with ctx.db.read() as conn:
                await sso.guard_sso_only_email(conn, ctx.tenant_id, sie, record)
        if record["type"] == "EnterpriseSso":
            found = sso.new_user_profile(record)
        elif record["type"] == "Social":
            async with ctx.db.read() as conn:
                found = await flow.social_profile(conn, ctx.tenant_id, record)
        else:
            found = flow.profile_of_identifier(record["identifier"])
        if record["type"] == "NewPasswordIdentity":
            found.update(passwordEncrypted=record["passwordEncrypted"],
                         passwordEncryptionMethod=record["passwordEncryptionMethod"])  # fmt: skip
        async with ctx.db.read() as conn:
            await flow.guard_unique(conn, ctx.tenant_id, found)
            await sso.guard_identity_free(conn, ctx.tenant_id, found)
        profile.update(found)
        await common.save(ctx, state)
    flow.guard_event(sie, "Register", flow.has_verified(state, "OneTimeToken"))
    _guard_captcha(state, sie)
    missing = [] if _sso(state) else flow.missing_profile(sie, profile, None, flow.has_verified(state, "Social"))
    if missing:
        raise LogtoError("user.missing_profile", 422, data={"missingProfile": missing})
    values = flow.user_values(profile)
    values["application_id"] = common.app_id(ctx)
    async with ctx.db.write() as conn:
        await flow.guard_unique(conn, ctx.tenant_id, profile)
        await sso.guard_identity_free(conn, ctx.tenant_id, profile)
        user = await users_store.insert_user(conn, ctx.tenant_id, values)
        await sso.attach(conn, ctx.tenant_id, user.id, profile)
        state["userId"] = user.id
        state["profile"] = {k: v for k, v in profile.items() if k == "submitted"}
        await common.save(ctx, state, conn)
        queued = await common.data_hook(conn, ctx, "User.Created", "Register", data=common.user_data(user))
    if queued:
        common.wake_hooks(ctx)
    return user


def _sso(state: dict[str, Any]) -> bool:
    """An SSO identity in the profile or verified: no mandatory profile, no MFA (as Logto)."""
    return bool((state.get("profile") or {}).get("enterpriseSsoIdentity")) or flow.has_verified(state, "EnterpriseSso")


def _guard_captcha(state: dict[str, Any], sie: dict[str, Any]) -> None:
    captcha = state.get("captcha") or {}
    if captcha.get("verified") or captcha.get("skipped"):
        return
    if (sie.get("captchaPolicy") or {}).get("enabled"):
        raise LogtoError("session.captcha_required", 422)


@router.post(f"{PREFIX}/submit", status=200, before=same_site)
async def submit(ctx: Ctx) -> Any:
    state = common.state_of(ctx)
    event = state["interactionEvent"]
    async with common.logged(ctx, f"Interaction.{event}.Submit") as log:
        sie = await common.sign_in_experience(ctx)
        _guard_captcha(state, sie)
        if not state.get("userId"):
            raise LogtoError("session.identifier_not_found", 404)
        async with ctx.db.read() as conn:
            user = await users_store.find_user(conn, ctx.tenant_id, state["userId"])
        if user is None:
            raise LogtoError("entity.not_exists_with_id", 404, name="users", id=state["userId"])
        log["userId"] = user.id
        if event == "ForgotPassword":
            return await _reset_password(ctx, state, user)
        profile = state.get("profile") or {}
        sso_verified = _sso(state)
        if event == "SignIn" and not sso_verified:
            flow.guard_mfa_verified(sie, state, user)
        flow.guard_not_in_account(user, profile)
        async with ctx.db.read() as conn:
            await flow.guard_unique(conn, ctx.tenant_id, profile)
            await sso.guard_identity_free(conn, ctx.tenant_id, profile)
        missing = [] if sso_verified else flow.missing_profile(sie, profile, user, flow.has_verified(state, "Social"))
        if missing:
            raise LogtoError("user.missing_profile", 422, data={"missingProfile": missing})
        if not sso_verified:
            flow.guard_mfa_fulfilled(sie, state, user)
        return await _finish(ctx, state, user, event, sie)


async def _finish(ctx: Ctx, state: dict[str, Any], user: Any, event: str, sie: dict[str, Any]) -> dict[str, Any]:
    profile = state.get("profile") or {}
    values = flow.user_values(profile)
    mfa = state.get("mfa") or {}
    bound = _bound_mfa(user, mfa)
    if bound is not None:
        values["mfa_verifications"] = bound
    if mfa.get("mfaSkipped"):
        config = dict(user.logto_config or {})
        config["mfa"] = {**(config.get("mfa") or {}), "skipped": True}
        values["logto_config"] = config
    values["last_sign_in_at"] = clock.now_ms()
    if event == "SignIn":  # the tenant's postSignIn action (docs/jwt-customizer.md)
        values.update(await actions.post_sign_in(ctx.db, ctx.state.box, ctx.tenant_id, user.id, user.custom_data))
    interaction = ctx.auth
    interaction.result = {"login": {"accountId": user.id, "ts": clock.now_ms() // 1000}}
    interaction.extra["lastSubmission"] = {
        "interactionEvent": event, "userId": user.id,
        "verificationRecords": domain.sanitized(state)["verificationRecords"],
    }  # fmt: skip
    async with ctx.db.write() as conn:
        updated = await users_store.update_user(conn, ctx.tenant_id, user.id, values)
        await sso.attach(conn, ctx.tenant_id, user.id, profile)
        await common.save(ctx, state, conn)
        queued = await common.interaction_hook(conn, ctx, domain.HOOK_EVENTS[event], event, updated)
        if profile or bound is not None:
            queued += await common.data_hook(conn, ctx, "User.Data.Updated", event, data=common.user_data(updated))
    if queued:
        common.wake_hooks(ctx)
    issuer = ctx.state.tenant_for(ctx.request).issuer
    return {"redirectTo": interaction.resume_url(issuer)}


def _bound_mfa(user: Any, mfa: dict[str, Any]) -> list[dict[str, Any]] | None:
    from authkeep.domain.users import new_mfa_verification

    added: list[dict[str, Any]] = []
    if isinstance(mfa.get("totp"), dict):
        added.append(new_mfa_verification("Totp", secret=mfa["totp"]["secret"]))
    if isinstance(mfa.get("backupCode"), dict):
        added.append(new_mfa_verification("BackupCode", codes=mfa["backupCode"]["codes"]))
    if not added:
        return None
    kinds = {a["type"] for a in added}
    kept = [v for v in user.mfa_verifications or [] if isinstance(v, dict) and v.get("type") not in kinds]
    return [*kept, *added]


async def _reset_password(ctx: Ctx, state: dict[str, Any], user: Any) -> Response:
    profile = state.get("profile") or {}
    if not (profile.get("passwordEncrypted") and profile.get("passwordEncryptionMethod")):
        raise LogtoError("user.new_password_required_in_profile", 422)
    values = flow.user_values({k: profile[k] for k in ("passwordEncrypted", "passwordEncryptionMethod")})
    values["password_updated_at"] = clock.now_ms()
    async with ctx.db.write() as conn:
        updated = await users_store.update_user(conn, ctx.tenant_id, user.id, values)
        queued = await common.interaction_hook(conn, ctx, "PostResetPassword", "ForgotPassword", updated)
        queued += await common.data_hook(conn, ctx, "User.Data.Updated", "ForgotPassword",
                                         data=common.user_data(updated))  # fmt: skip
        await common.save(ctx, None, conn)  # Logto clears the interaction's result
    if queued:
        common.wake_hooks(ctx)
    # Logto sets status 200 without a body: Koa answers "OK" as text.
    return Response("OK", 200, media_type="text/plain")
