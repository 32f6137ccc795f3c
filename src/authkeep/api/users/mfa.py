"""A user's MFA verifications (Logto tag "Users")."""

from __future__ import annotations

from typing import Any

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import BackupCodeBody, TotpBody
from authkeep.domain import users as rules
from authkeep.errors import LogtoError
from authkeep.store import users as store

router = ApiRouter(policy="management", family="users")


@router.get("/users/{userId}/mfa-verifications")
async def list_mfa(ctx: Ctx) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    return rules.mfa_response(row.mfa_verifications)


def _mfa_body(data: dict[str, Any]) -> TotpBody | BackupCodeBody:
    """zod's discriminated union on `type`."""
    kind = data.get("type")
    if kind == "Totp":
        return web.validate(TotpBody, data)
    if kind == "BackupCode":
        return web.validate(BackupCodeBody, data)
    message = "Invalid discriminator value. Expected 'Totp' | 'BackupCode'"
    raise LogtoError(
        "guard.invalid_input",
        400,
        data={
            "issues": [
                {"code": "invalid_union_discriminator", "options": ["Totp", "BackupCode"], "path": ["type"], "message": message}
            ],
            "name": "ZodError",
        },
        details=f'Error in key path "type": (invalid_union_discriminator) {message}',
        type="body",
    )


@router.post("/users/{userId}/mfa-verifications", body=dict, status=200)
async def create_mfa(ctx: Ctx) -> dict[str, Any]:
    body = _mfa_body(ctx.body)
    user_id = ctx.param("userId")
    async with ctx.db.write() as conn:
        if isinstance(body, TotpBody):
            host = ctx.request.url.hostname or "localhost"
            return await rules.add_totp(conn, ctx.tenant_id, user_id, body.secret, host)
        return await rules.add_backup_codes(conn, ctx.tenant_id, user_id, body.codes)


@router.delete("/users/{userId}/mfa-verifications/{verificationId}")
async def delete_mfa(ctx: Ctx) -> None:
    user_id, vid = ctx.param("userId"), ctx.param("verificationId")
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, user_id)
        current = list(row.mfa_verifications or [])
        kept = [v for v in current if not (isinstance(v, dict) and v.get("id") == vid)]
        if len(kept) == len(current):
            raise LogtoError("entity.not_found", 404)
        await store.update_user(conn, ctx.tenant_id, user_id, {"mfa_verifications": kept})
