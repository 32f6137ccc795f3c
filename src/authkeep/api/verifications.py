"""Verification API (Logto `routes/verification/index.ts`): records proving the signed-in user's
identity (password, e-mail/phone code) or a new address, for the Account API. Social and WebAuthn
records are not served (docs/account-api.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from authkeep import web
from authkeep.api.account.common import first_party, gate, user_id
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import Email, NonEmpty, Phone
from authkeep.domain import verification_records as records
from authkeep.domain.hooks import iso

router = ApiRouter(policy="end_user", family="sessions")


class EmailIdentifier(web.Body):
    type: Literal["email"]
    value: Email


class PhoneIdentifier(web.Body):
    type: Literal["phone"]
    value: Phone


Identifier = Annotated[EmailIdentifier | PhoneIdentifier, Field(discriminator="type")]


class PasswordBody(web.Body):
    password: NonEmpty


class SendCodeBody(web.Body):
    identifier: Identifier
    template_type: Literal["BindMfa", "UserPermissionValidation"] | None = Field(None, alias="templateType")


class VerifyCodeBody(web.Body):
    identifier: Identifier
    verification_id: str = Field(alias="verificationId")
    code: str


def _identifier(value: EmailIdentifier | PhoneIdentifier) -> dict[str, Any]:
    return {"type": value.type, "value": value.value}


@router.post("/verifications/password", body=PasswordBody, before=gate)
async def verify_password(ctx: Ctx) -> Any:
    await first_party(ctx)
    record_id, expires_at = await records.create_password(ctx.db, ctx.tenant_id, user_id(ctx), ctx.body.password)
    return {"verificationRecordId": record_id, "expiresAt": iso(expires_at)}


@router.post("/verifications/verification-code", body=SendCodeBody, before=gate)
async def send_code(ctx: Ctx) -> Any:
    body: SendCodeBody = ctx.body
    await first_party(ctx)
    ip = ctx.request.client.host if ctx.request.client else None
    record_id, expires_at = await records.send_code(
        ctx.db, ctx.state.box, ctx.tenant_id, user_id(ctx), _identifier(body.identifier), body.template_type, ip
    )
    return {"verificationRecordId": record_id, "expiresAt": iso(expires_at)}


@router.post("/verifications/verification-code/verify", body=VerifyCodeBody, status=200, before=gate)
async def verify_code(ctx: Ctx) -> Any:
    body: VerifyCodeBody = ctx.body
    await first_party(ctx)
    record_id = await records.verify_code(ctx.db, ctx.tenant_id, _identifier(body.identifier), body.verification_id, body.code)
    return {"verificationRecordId": record_id}
