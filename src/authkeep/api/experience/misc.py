"""Experience API routes for what authkeep has no connector for (WebAuthn): they
answer as Logto does when nothing is configured; MFA prompt flags (docs/experience-api.md)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from authkeep import web
from authkeep.api.contract import Ctx
from authkeep.api.experience import common
from authkeep.api.experience.common import PREFIX, router, same_site
from authkeep.api.experience.mfa import _identified, _verified_interaction
from authkeep.api.experience.verify import VERIFY
from authkeep.domain import experience as domain
from authkeep.errors import LogtoError


class WebAuthnVerify(web.Body):
    verification_id: str = Field(None, alias="verificationId", max_length=128)  # type: ignore[assignment]
    payload: dict[str, Any] = None  # type: ignore[assignment]


@router.post(f"{VERIFY}/web-authn/registration", status=200, before=same_site)
async def webauthn_registration(ctx: Ctx) -> None:
    _webauthn_unavailable(common.state_of(ctx))


@router.post(f"{VERIFY}/web-authn/authentication", status=200, before=same_site)
async def webauthn_authentication(ctx: Ctx) -> None:
    _webauthn_unavailable(common.state_of(ctx))


def _webauthn_unavailable(state: dict[str, Any]) -> None:
    _identified(state)
    raise LogtoError("session.mfa.mfa_factor_not_enabled", 400)


@router.post(f"{VERIFY}/web-authn/registration/verify", body=WebAuthnVerify, status=200, before=same_site)
async def webauthn_registration_verify(ctx: Ctx) -> None:
    state = common.state_of(ctx)
    _identified(state)
    domain.record_by_type_and_id(state, "WebAuthn", ctx.body.verification_id or "")


@router.post(f"{VERIFY}/web-authn/authentication/verify", body=WebAuthnVerify, status=200, before=same_site)
async def webauthn_authentication_verify(ctx: Ctx) -> None:
    state = common.state_of(ctx)
    _identified(state)
    domain.record_by_type_and_id(state, "WebAuthn", ctx.body.verification_id or "")


@router.post(f"{VERIFY}/sign-in-passkey/authentication/verify", body=WebAuthnVerify, status=200, before=same_site)
async def passkey_verify(ctx: Ctx) -> None:
    state = common.state_of(ctx)
    domain.record_by_type_and_id(state, "SignInPasskey", ctx.body.verification_id or "")


async def _flag(ctx: Ctx, key: str) -> None:
    state = common.state_of(ctx)
    await _verified_interaction(ctx, state)
    state.setdefault("mfa", {})[key] = True
    await common.save(ctx, state)


@router.post(f"{PREFIX}/profile/mfa/mfa-enabled", status=204, before=same_site)
async def mfa_enabled(ctx: Ctx) -> None:
    await _flag(ctx, "mfaEnabled")


@router.post(f"{PREFIX}/profile/mfa/mfa-suggestion-skipped", status=204, before=same_site)
async def mfa_suggestion_skipped(ctx: Ctx) -> None:
    await _flag(ctx, "additionalBindingSuggestionSkipped")


@router.post(f"{PREFIX}/profile/mfa/passkey-skipped", status=204, before=same_site)
async def passkey_skipped(ctx: Ctx) -> None:
    await _flag(ctx, "passkeySkipped")
