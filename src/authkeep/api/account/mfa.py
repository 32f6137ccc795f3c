"""Account API: MFA factors, MFA settings and logto-configs (Logto `routes/account/
mfa-verifications.ts`, `logto-config.ts`, `index.ts` mfa-settings). WebAuthn needs a WebAuthn
verification record, which the Verification API does not make yet: such a body is 400
`verification_record.not_found`."""

from __future__ import annotations

import re
from typing import Any, Literal

import pyotp
from pydantic import Field
from starlette.responses import Response

from authkeep import web
from authkeep.api.account import common as c
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import LogtoConfigBody
from authkeep.domain import sign_in_exp
from authkeep.domain import users as user_rules
from authkeep.errors import LogtoError

router = ApiRouter(policy="end_user", family="users")
_BASE32 = r"^(?:[2-7A-Z]{8})*(?:[2-7A-Z]{2}={6}|[2-7A-Z]{4}={4}|[2-7A-Z]{5}={3}|[2-7A-Z]{7}=)?$"


class WebAuthnBody(web.Body):
    type: Literal["WebAuthn"]
    new_identifier_verification_record_id: str = Field(alias="newIdentifierVerificationRecordId")
    name: str | None = None


class TotpBody(web.Body):
    type: Literal["Totp"]
    secret: str
    code: str | None = None


class BackupCodesBody(web.Body):
    type: Literal["BackupCode"]
    codes: list[str]


FACTOR_BODIES: dict[str, type[web.Body]] = {"WebAuthn": WebAuthnBody, "Totp": TotpBody, "BackupCode": BackupCodesBody}


def _factor_body(raw: dict[str, Any]) -> WebAuthnBody | TotpBody | BackupCodesBody:
    """Logto's z.discriminatedUnion('type', ...): issues are reported at the chosen member's paths."""
    model = FACTOR_BODIES.get(raw.get("type")) if isinstance(raw.get("type"), str) else None
    if model is None:
        message = "Invalid discriminator value. Expected 'WebAuthn' | 'Totp' | 'BackupCode'"
        issue = {"code": "invalid_union_discriminator", "options": list(FACTOR_BODIES), "path": ["type"], "message": message}
        raise LogtoError("guard.invalid_input", 400, type="body", data={"issues": [issue], "name": "ZodError"},
                         details=f'Error in key path "type": (invalid_union_discriminator) {message}')  # fmt: skip
    return web.validate(model, raw)  # type: ignore[return-value]


class ReplaceTotp(web.Body):
    secret: str
    code: str


class NameBody(web.Body):
    name: str


class MfaSettings(web.Body):
    skip_mfa_on_sign_in: bool = Field(alias="skipMfaOnSignIn")


def _valid_secret(secret: str) -> bool:
    return 16 <= len(secret) <= 32 and re.match(_BASE32, secret) is not None


def _valid_code(secret: str, code: str) -> bool:
    """otplib authenticator.check with window 1: the previous, current and next 30 s steps."""
    try:
        return pyotp.TOTP(secret).verify(code, valid_window=1)
    except Exception:  # noqa: BLE001  (a secret pyotp cannot decode never matches)
        return False


def _factors(user: Any) -> list[dict[str, Any]]:
    return [v for v in (user.mfa_verifications or []) if isinstance(v, dict)]


def _mfa_on(user: Any) -> dict[str, Any]:
    return user_rules.merge_logto_config(user.logto_config, {"enabled": True}, {})


@router.get("/my-account/mfa-verifications", before=c.gate, cache=False)
async def list_factors(ctx: Ctx) -> Any:
    c.readable(ctx, "mfa")
    c.scope(ctx, "identities")
    return user_rules.mfa_response((await c.load_user(ctx)).mfa_verifications)


@router.post("/my-account/mfa-verifications", body=dict, status=204, before=c.gate)
async def add_factor(ctx: Ctx) -> None:
    body = _factor_body(ctx.body)
    await c.require_verified(ctx)
    is_webauthn = body.type == "WebAuthn"
    c.editable(ctx, *(("passkey", "mfa") if is_webauthn else ("mfa",)))
    c.scope(ctx, "identities")
    await c.first_party(ctx)
    async with ctx.db.read() as conn:
        doc = await sign_in_exp.current(conn, ctx.tenant_id)
    factors = (doc.get("mfa") or {}).get("factors") or []
    enabled = body.type in factors or (is_webauthn and bool((doc.get("passkeySignIn") or {}).get("enabled")))
    if not enabled:
        raise LogtoError("session.mfa.mfa_factor_not_enabled", 400)
    user = await c.load_user(ctx)
    current = _factors(user)
    if isinstance(body, WebAuthnBody):
        raise LogtoError("verification_record.not_found", 400)
    if isinstance(body, TotpBody):
        if any(v.get("type") == user_rules.MFA_TOTP for v in current):
            raise LogtoError("user.totp_already_in_use", 422)
        if not _valid_secret(body.secret):
            raise LogtoError("user.totp_secret_invalid", 400)
        if body.code and not _valid_code(body.secret, body.code):
            raise LogtoError("session.mfa.invalid_totp_code", 400)
        entry = user_rules.new_mfa_verification(user_rules.MFA_TOTP, secret=body.secret)
    else:
        if user_rules.has_active_backup_codes(current):
            raise LogtoError("user.backup_code_already_in_use", 422)
        if not any(v.get("type") != user_rules.MFA_BACKUP_CODE for v in current):
            raise LogtoError("session.mfa.backup_code_can_not_be_alone", 422)
        if not user_rules.valid_backup_codes(body.codes):
            raise LogtoError("user.wrong_backup_code_format", 422)
        entry = user_rules.new_mfa_verification(user_rules.MFA_BACKUP_CODE, codes=body.codes)
    await c.save_user(ctx, {"mfa_verifications": [*current, entry], "logto_config": _mfa_on(user)})


@router.put("/my-account/mfa-verifications/totp", body=ReplaceTotp, status=204, before=c.gate)
async def replace_totp(ctx: Ctx) -> None:
    body: ReplaceTotp = ctx.body
    await c.require_verified(ctx)
    c.editable(ctx, "mfa")
    c.scope(ctx, "identities")
    await c.first_party(ctx)
    async with ctx.db.read() as conn:
        doc = await sign_in_exp.current(conn, ctx.tenant_id)
    if user_rules.MFA_TOTP not in ((doc.get("mfa") or {}).get("factors") or []):
        raise LogtoError("session.mfa.mfa_factor_not_enabled", 400)
    user = await c.load_user(ctx)
    if not _valid_secret(body.secret):
        raise LogtoError("user.totp_secret_invalid", 400)
    if not _valid_code(body.secret, body.code):
        raise LogtoError("session.mfa.invalid_totp_code", 400)
    entry = user_rules.new_mfa_verification(user_rules.MFA_TOTP, secret=body.secret)
    current = _factors(user)
    old = next((v for v in current if v.get("type") == user_rules.MFA_TOTP), None)
    factors = [entry if v is old else v for v in current] if old is not None else [*current, entry]
    await c.save_user(ctx, {"mfa_verifications": factors, "logto_config": _mfa_on(user)})


@router.post("/my-account/mfa-verifications/totp-secret/generate", status=200, before=c.gate)
async def generate_secret(ctx: Ctx) -> Any:
    return {"secret": user_rules.new_totp_secret()}


@router.post("/my-account/mfa-verifications/backup-codes/generate", status=200, before=c.gate)
async def generate_codes(ctx: Ctx) -> Any:
    return {"codes": user_rules.new_backup_codes()}


@router.get("/my-account/mfa-verifications/backup-codes", before=c.gate, cache=False)
async def backup_codes(ctx: Ctx) -> Any:
    await c.require_verified(ctx)
    c.scope(ctx, "identities")
    user = await c.load_user(ctx)
    found = next((v for v in _factors(user) if v.get("type") == user_rules.MFA_BACKUP_CODE), None)
    if found is None:
        raise LogtoError("verification_record.not_found", 404)
    codes = [x for x in found.get("codes") or [] if isinstance(x, dict)]
    return {"codes": [{"code": x.get("code"), **({"usedAt": x["usedAt"]} if x.get("usedAt") is not None else {})} for x in codes]}


@router.patch("/my-account/mfa-verifications/{verificationId}/name", body=NameBody, before=c.gate)
async def rename_factor(ctx: Ctx) -> Response:
    await c.require_verified(ctx)
    c.editable(ctx, "passkey", "mfa")
    c.scope(ctx, "identities")
    await c.first_party(ctx)
    wanted = ctx.param("verificationId")
    user = await c.load_user(ctx)
    current = _factors(user)
    if not any(v.get("id") == wanted and v.get("type") == user_rules.MFA_WEBAUTHN for v in current):
        raise LogtoError("verification_record.not_found", 400)
    await c.save_user(ctx, {"mfa_verifications": [{**v, "name": ctx.body.name} if v.get("id") == wanted else v for v in current]})
    return Response("OK", 200, media_type="text/plain; charset=utf-8")  # Koa's answer to a bare 200


@router.delete("/my-account/mfa-verifications/{verificationId}", before=c.gate)
async def delete_factor(ctx: Ctx) -> None:
    await c.require_verified(ctx)
    c.scope(ctx, "identities")
    await c.first_party(ctx)
    wanted = ctx.param("verificationId")
    current = _factors(await c.load_user(ctx))
    found = next((v for v in current if v.get("id") == wanted), None)
    if found is None:
        raise LogtoError("verification_record.not_found", 400)
    c.editable(ctx, *(("passkey", "mfa") if found.get("type") == user_rules.MFA_WEBAUTHN else ("mfa",)))
    await c.save_user(ctx, {"mfa_verifications": [v for v in current if v is not found]})


def _skip_mfa(user: Any) -> bool:
    mfa = (user.logto_config or {}).get("mfa") if isinstance(user.logto_config, dict) else None
    return bool(mfa.get("skipMfaOnSignIn")) if isinstance(mfa, dict) else False


@router.get("/my-account/mfa-settings", before=c.gate, cache=False)
async def get_mfa_settings(ctx: Ctx) -> Any:
    c.scope(ctx, "identities")
    c.readable(ctx, "mfa")
    return {"skipMfaOnSignIn": _skip_mfa(await c.load_user(ctx))}


@router.patch("/my-account/mfa-settings", body=MfaSettings, before=c.gate)
async def patch_mfa_settings(ctx: Ctx) -> Any:
    await c.require_verified(ctx)
    c.scope(ctx, "identities")
    await c.first_party(ctx)
    c.editable(ctx, "mfa")
    user = await c.load_user(ctx)
    skip = ctx.body.skip_mfa_on_sign_in
    await c.save_user(ctx, {"logto_config": user_rules.merge_logto_config(user.logto_config, {"skipMfaOnSignIn": skip}, {})})
    return {"skipMfaOnSignIn": skip}


@router.get("/my-account/logto-configs", before=c.gate, cache=False)
async def get_logto_configs(ctx: Ctx) -> Any:
    c.scope(ctx, "identities")
    c.readable(ctx, "passkey", "mfa")
    return user_rules.logto_config_response((await c.load_user(ctx)).logto_config)


@router.patch("/my-account/logto-configs", body=LogtoConfigBody, before=c.gate)
async def patch_logto_configs(ctx: Ctx) -> Any:
    body: LogtoConfigBody = ctx.body
    await c.require_verified(ctx)
    c.scope(ctx, "identities")
    await c.first_party(ctx)
    c.editable(ctx, "passkey", "mfa")
    mfa = body.mfa.model_dump(by_alias=True, exclude_unset=True) if body.mfa else {}
    mfa = {k: mfa.get(k) for k in ("enabled", "skipped", "skipMfaOnSignIn")}
    passkey = {"skipped": body.passkey_sign_in.skipped} if body.passkey_sign_in else {}
    user = await c.load_user(ctx)
    row = await c.save_user(ctx, {"logto_config": user_rules.merge_logto_config(user.logto_config, mfa, passkey)})
    return user_rules.logto_config_response(row.logto_config)
