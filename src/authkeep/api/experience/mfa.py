"""MFA in the Experience API: TOTP and backup-code verification and binding, skipping
(Logto totp-verification.ts, backup-code-verification.ts, profile-routes.ts /profile/mfa*)."""

from __future__ import annotations

import hmac
import time
from typing import Any, Literal

import pyotp
from pydantic import Field

from authkeep import web
from authkeep.api.contract import Ctx
from authkeep.api.experience import common
from authkeep.api.experience.common import PREFIX, router, same_site
from authkeep.api.experience.verify import VERIFY, with_sentinel
from authkeep.domain import experience as domain
from authkeep.domain import users as users_domain
from authkeep.domain.experience import flow
from authkeep.errors import LogtoError
from authkeep.store import users as users_store


class TotpCheck(web.Body):
    code: str = Field(min_length=1, max_length=16)
    verification_id: str = Field(None, alias="verificationId", max_length=128)  # type: ignore[assignment]


class BackupCheck(web.Body):
    code: str = Field(min_length=1, max_length=64)


class BindMfa(web.Body):
    type: Literal["Totp", "BackupCode", "WebAuthn"]
    verification_id: str = Field(alias="verificationId", max_length=128)


def _identified(state: dict[str, Any]) -> str:
    if not state.get("userId"):
        raise LogtoError("session.identifier_not_found", 404)
    return str(state["userId"])


async def _user(ctx: Ctx, user_id: str) -> Any:
    async with ctx.db.read() as conn:
        return await users_store.get_user(conn, ctx.tenant_id, user_id)


def _time_step(secret: str, code: str) -> int | None:
    """The 30 s step (±1) the code belongs to, or None."""
    if not code.isdigit() or len(code) != 6:
        return None
    totp, now = pyotp.TOTP(secret), int(time.time()) // 30
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


@router.post(f"{VERIFY}/totp/secret", status=200, before=same_site)
async def totp_secret(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    user_id = _identified(state)
    user = await _user(ctx, user_id)
    secret = users_domain.new_totp_secret()
    account = users_domain.display_name(dict(user._mapping)) or "Unnamed User"
    uri = users_domain.totp_key_uri(account, ctx.request.url.hostname or "authkeep", secret)
    record = domain.new_record("Totp", userId=user_id, secret=secret, verified=False)
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.Totp.Create"):
        domain.put_record(state, record)
        await common.save(ctx, state)
    return {"verificationId": record["id"], "secret": secret, "secretQrCode": users_domain.qr_data_url(uri)}


@router.post(f"{VERIFY}/totp/verify", body=TotpCheck, status=200, before=same_site)
async def totp_verify(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.Totp.Submit",
                             payload={"verificationId": ctx.body.verification_id}):  # fmt: skip
        user_id = _identified(state)
        if ctx.body.verification_id:  # a new secret being bound
            record = domain.record_by_type_and_id(state, "Totp", ctx.body.verification_id)
            if record.get("userId") != user_id:
                raise LogtoError("session.verification_session_not_found", 404)
            if not record.get("secret") or _time_step(record["secret"], ctx.body.code) is None:
                raise LogtoError("session.mfa.invalid_totp_code", 400)
            record["verified"] = True
            record["isNewBind"] = True
            await common.save(ctx, state)
            return {"verificationId": record["id"]}
        record = domain.new_record("Totp", userId=user_id, verified=False)
        await with_sentinel(ctx, {"type": "userId", "value": user_id}, "MfaTotp", {"verificationId": record["id"]},
                            _check_user_totp(ctx, user_id, ctx.body.code))  # fmt: skip
        record["verified"] = True
        domain.put_record(state, record)
        await common.save(ctx, state)
    return {"verificationId": record["id"]}


async def _check_user_totp(ctx: Ctx, user_id: str, code: str) -> None:
    async with ctx.db.write() as conn:
        user = await users_store.get_user(conn, ctx.tenant_id, user_id)
        items = [v for v in user.mfa_verifications or [] if isinstance(v, dict)]
        totp = next((v for v in items if v.get("type") == "Totp"), None)
        step = _time_step(totp["key"], code) if totp and totp.get("key") else None
        last = totp.get("lastUsedTimeStep") if totp else None
        if totp is None or step is None or (isinstance(last, int) and step <= last):
            raise LogtoError("session.mfa.invalid_totp_code", 400)
        totp["lastUsedTimeStep"] = step
        totp["lastUsedAt"] = users_domain.iso_now()
        await users_store.update_user(conn, ctx.tenant_id, user_id, {"mfa_verifications": items})


@router.post(f"{VERIFY}/backup-code/generate", status=200, before=same_site)
async def backup_generate(ctx: Ctx) -> dict[str, Any]:
    state = common.state_of(ctx)
    user_id = _identified(state)
    codes = users_domain.new_backup_codes()
    record = domain.new_record("BackupCode", userId=user_id, backupCodes=codes)
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.BackupCode.Create"):
        domain.put_record(state, record)
        await common.save(ctx, state)
    return {"verificationId": record["id"], "codes": codes}


@router.post(f"{VERIFY}/backup-code/verify", body=BackupCheck, status=200, before=same_site)
async def backup_verify(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.BackupCode.Submit"):
        user_id = _identified(state)
        record = domain.new_record("BackupCode", userId=user_id)
        await with_sentinel(ctx, {"type": "userId", "value": user_id}, "MfaBackupCode", {"verificationId": record["id"]},
                            _use_backup_code(ctx, user_id, ctx.body.code))  # fmt: skip
        record["code"] = "used"
        record["verified"] = True
        domain.put_record(state, record)
        await common.save(ctx, state)
    return {"verificationId": record["id"]}


async def _use_backup_code(ctx: Ctx, user_id: str, code: str) -> None:
    async with ctx.db.write() as conn:
        user = await users_store.get_user(conn, ctx.tenant_id, user_id)
        items = [v for v in user.mfa_verifications or [] if isinstance(v, dict)]
        for item in items:
            if item.get("type") != "BackupCode":
                continue
            for entry in item.get("codes") or []:
                if isinstance(entry, dict) and not entry.get("usedAt") and hmac.compare_digest(
                    str(entry.get("code", "")).encode(), code.encode()
                ):
                    entry["usedAt"] = users_domain.iso_now()
                    await users_store.update_user(conn, ctx.tenant_id, user_id, {"mfa_verifications": items})
                    return
    raise LogtoError("session.mfa.invalid_backup_code", 400)


async def _verified_interaction(ctx: Ctx, state: dict[str, Any]) -> None:
    """Logto's verifiedInteractionGuard."""
    if state["interactionEvent"] == "ForgotPassword":
        raise LogtoError("session.not_supported_for_forgot_password", 400)
    if state["interactionEvent"] == "SignIn":
        user = await _user(ctx, _identified(state))
        flow.guard_mfa_verified(await common.sign_in_experience(ctx), state, user)


@router.post(f"{PREFIX}/profile/mfa", body=BindMfa, status=204, before=same_site)
async def bind_mfa(ctx: Ctx) -> None:
    state = common.state_of(ctx)
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.BindMfa.{ctx.body.type}.Submit"):
        await _verified_interaction(ctx, state)
        user = await _user(ctx, _identified(state))
        sie = await common.sign_in_experience(ctx)
        factors = (sie.get("mfa") or {}).get("factors") or []
        record = domain.record_by_type_and_id(state, ctx.body.type, ctx.body.verification_id)
        if ctx.body.type not in factors:
            raise LogtoError("session.mfa.mfa_factor_not_enabled", 400)
        mfa = state.setdefault("mfa", {})
        if ctx.body.type == "Totp":
            if not domain.is_verified(record):
                raise LogtoError("session.verification_failed", 400)
            if not record.get("secret"):
                raise LogtoError("session.mfa.pending_info_not_found", 400)
            if any(isinstance(v, dict) and v.get("type") == "Totp" for v in user.mfa_verifications or []):
                raise LogtoError("user.totp_already_in_use", 422)
            mfa["totp"] = {"type": "Totp", "secret": record["secret"]}
        elif ctx.body.type == "BackupCode":
            if not record.get("backupCodes"):
                raise LogtoError("session.mfa.pending_info_not_found", 404)
            others = [v for v in user.mfa_verifications or [] if isinstance(v, dict) and v.get("type") != "BackupCode"]
            if not others and not mfa.get("totp"):
                raise LogtoError("session.mfa.backup_code_can_not_be_alone", 422)
            mfa["backupCode"] = {"type": "BackupCode", "codes": record["backupCodes"]}
        else:
            raise LogtoError("session.mfa.pending_info_not_found", 400)
        await common.save(ctx, state)


@router.post(f"{PREFIX}/profile/mfa/mfa-skipped", status=204, before=same_site)
async def skip_mfa(ctx: Ctx) -> None:
    state = common.state_of(ctx)
    await _verified_interaction(ctx, state)
    _identified(state)
    policy = ((await common.sign_in_experience(ctx)).get("mfa") or {}).get("policy")
    if policy in ("Mandatory", "PromptAtSignInAndSignUpMandatory", "PromptOnlyAtSignInMandatory"):
        raise LogtoError("session.mfa.mfa_policy_not_user_controlled", 422)
    state.setdefault("mfa", {})["mfaSkipped"] = True
    await common.save(ctx, state)
