"""Verification codes (Logto tag "Verification codes"): send a code, verify it."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import verification_codes as domain
from authkeep.errors import LogtoError

router = ApiRouter(policy="management", family="codes")
EMAIL_RE = re.compile(r"^\S+@\S+\.\S+$")
PHONE_RE = re.compile(r"^\d+$")


class Identifier(web.Body):
    email: str = None  # type: ignore[assignment]
    phone: str = None  # type: ignore[assignment]

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError("Invalid")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not PHONE_RE.match(value):
            raise ValueError("Invalid")
        return value


class VerifyBody(Identifier):
    verification_code: Annotated[str, Field(min_length=1)] = Field(alias="verificationCode")


def _recipient(body: Identifier) -> tuple[str | None, str | None]:
    """Logto's union guard: `{email}` or `{phone}` (email wins when both are sent)."""
    if body.email is not None:
        return body.email, None
    if body.phone is not None:
        return None, body.phone
    raise LogtoError(
        "guard.invalid_input",
        400,
        type="body",
        data={"issues": [{"code": "invalid_union", "path": [], "message": "Invalid input"}], "name": "ZodError"},
        details='Error in key path "": (invalid_union) Invalid input',
    )


@router.post("/verification-codes", body=Identifier, status=204)
async def request_code(ctx: Ctx) -> Any:
    email, phone = _recipient(ctx.body)
    ip = ctx.request.client.host if ctx.request.client else None
    await domain.request_code(ctx.db, ctx.state.box, ctx.tenant_id, email, phone, ip)
    return None


@router.post("/verification-codes/verify", body=VerifyBody, status=204)
async def verify_code(ctx: Ctx) -> Any:
    body: VerifyBody = ctx.body
    email, phone = _recipient(body)
    await domain.verify_code(ctx.db, ctx.tenant_id, email, phone, body.verification_code)
    return None
