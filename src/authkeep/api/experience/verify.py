"""Experience verifications: password, new password identity, e-mail/SMS codes and one-time
tokens (Logto routes/experience/verification-routes/*)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import Field

from authkeep import clock, ids, web
from authkeep.api.contract import Ctx
from authkeep.api.experience import common
from authkeep.api.experience.common import (
    PREFIX,
    CodeIdentifier,
    Event,
    Identifier,
    router,
    same_site,
)
from authkeep.connectors import EMAIL, SMS
from authkeep.domain import actions, connectors, one_time_tokens, passwords
from authkeep.domain import experience as domain
from authkeep.domain import verification_codes as codes
from authkeep.domain.experience import flow, sentinel
from authkeep.errors import LogtoError
from authkeep.store import experience as store
from authkeep.store import users as users_store

T = TypeVar("T")
VERIFY = f"{PREFIX}/verification"
TEMPLATES = {"SignIn": "SignIn", "Register": "Register", "ForgotPassword": "ForgotPassword"}


class PasswordBody(web.Body):
    identifier: Identifier
    password: str = Field(min_length=1, max_length=256)


class NewIdentityName(web.Body):
    type: str = Field(pattern="^username$")
    value: str = Field(pattern=flow.USERNAME_RE.pattern, max_length=128)


class NewPasswordIdentity(web.Body):
    identifier: NewIdentityName
    password: str = Field(max_length=256)


class SendCode(web.Body):
    identifier: CodeIdentifier
    interaction_event: Event = Field(alias="interactionEvent")


class CheckCode(web.Body):
    identifier: CodeIdentifier
    verification_id: str = Field(alias="verificationId", max_length=128)
    code: str = Field(max_length=64)


class TokenBody(web.Body):
    identifier: CodeIdentifier
    token: str = Field(min_length=1, max_length=256)


async def with_sentinel(ctx: Ctx, identifier: dict[str, str], action: str, payload: dict[str, Any],
                        attempt: Awaitable[T]) -> T:  # fmt: skip
    """Logto's withSentinel: run the verification, record it, then refuse a blocked target (the
    `Identifier.Lockout` webhook fires) before reporting the verification's own error."""
    failure: LogtoError | None = None
    result: Any = None
    try:
        result = await attempt
    except LogtoError as exc:
        failure = exc
    rules = sentinel.policy(await common.sign_in_experience(ctx))
    queued = 0
    async with ctx.db.write() as conn:
        until = await sentinel.report(conn, ctx.tenant_id, rules, identifier["value"], common.client_ip(ctx),
                                      action, failure is not None, payload)  # fmt: skip
        if until is not None:
            event = (ctx.auth.experience or {}).get("interactionEvent")
            queued = await common.data_hook(conn, ctx, "Identifier.Lockout", event, **identifier)
    if queued:
        common.wake_hooks(ctx)
    if until is not None:
        raise LogtoError("session.verification_blocked_too_many_attempts", 400,
                         relativeTime=domain.relative_minutes(until - clock.now_ms()))  # fmt: skip
    if failure is not None:
        raise failure
    return result  # type: ignore[no-any-return]


@router.post(f"{VERIFY}/password", body=PasswordBody, status=200, before=same_site)
async def verify_password(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    identifier = ctx.body.identifier.model_dump()
    record = domain.new_record("Password", identifier=identifier, verified=False)
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.Password.Submit",
                             payload={"identifier": identifier, "password": "******"}):  # fmt: skip
        event = state["interactionEvent"]
        user = await with_sentinel(ctx, identifier, "Password", {"event": event, "verificationId": record["id"]},
                                   _check_password(ctx, identifier, ctx.body.password, event))  # fmt: skip
        if not isinstance(user, _Vouched) and user.is_password_expired:
            raise LogtoError("password.expired", 422)
        record["verified"] = True
        domain.put_record(state, record)
        if isinstance(user, _Vouched):
            await _provision(ctx, state, identifier, user)
        else:
            await common.save(ctx, state)
    return {"verificationId": record["id"]}


class _Vouched(NamedTuple):
    """The postFirstFactorVerification action vouched for a password the store refused."""

    action: str  # createUser | updateUser
    patch: dict[str, Any]
    user: Any  # the identifier's user (updateUser) or None
    password: str


async def _provision(ctx: Ctx, state: dict[str, Any], identifier: dict[str, str], vouched: _Vouched) -> None:
    """Logto's createUser / updateUser of the action's answer, with the password as given, in one
    transaction with the verified record (a collision writes nothing)."""
    digest = await passwords.hash_password_async(vouched.password)
    profile = dict(vouched.patch)
    existing = vouched.user
    if existing is None:
        profile = {**flow.profile_of_identifier(identifier), **profile}
        if not profile.get("customData"):
            profile.pop("customData", None)
    else:  # customData and profile merged into the stored ones
        for key, stored in (("customData", existing.custom_data), ("profile", existing.profile)):
            if profile.get(key):
                profile[key] = {**(stored or {}), **profile[key]}
            else:
                profile.pop(key, None)
    values = flow.user_values({**profile, "passwordEncrypted": digest,
                               "passwordEncryptionMethod": passwords.DEFAULT_ALGORITHM})  # fmt: skip
    values["password_updated_at"] = clock.now_ms()
    event = state["interactionEvent"]
    async with ctx.db.write() as conn:
        await flow.guard_unique(conn, ctx.tenant_id, profile, existing.id if existing is not None else None)
        if existing is None:
            values["application_id"] = common.app_id(ctx)
            user = await users_store.insert_user(conn, ctx.tenant_id, values)
            hook = "User.Created"
        else:
            user = await users_store.update_user(conn, ctx.tenant_id, existing.id, values)
            hook = "User.Data.Updated"
        await common.save(ctx, state, conn)
        queued = await common.data_hook(conn, ctx, hook, event, data=common.user_data(user))
    if queued:
        common.wake_hooks(ctx)


async def _check_password(ctx: Ctx, identifier: dict[str, str], password: str, event: str) -> Any:
    async with ctx.db.read() as conn:
        user = await flow.find_user(conn, ctx.tenant_id, identifier)
    digest = user.password_encrypted if user is not None else None
    method = user.password_encryption_method if user is not None else None
    # Unknown users cost an Argon2 verify too (passwords.check's decoy): no enumeration by timing.
    if not await passwords.check_async(password, digest, method) or user is None:
        refused = LogtoError("session.invalid_credentials", 422)
        if event != "SignIn" or (user is not None and user.is_suspended):
            raise refused
        # Logto's postFirstFactorVerification action (docs/jwt-customizer.md)
        found = await actions.post_first_factor(ctx.db, ctx.state.box, ctx.tenant_id, identifier, user, password)
        if found is None:
            raise refused
        return _Vouched(found[0], found[1], user, password)
    if user.is_suspended:
        raise LogtoError("user.suspended", 401)
    if method != passwords.DEFAULT_ALGORITHM and digest:
        upgraded = await passwords.hash_password_async(password)
        async with ctx.db.write() as conn:
            await users_store.upgrade_password(conn, ctx.tenant_id, user.id, digest, upgraded, passwords.DEFAULT_ALGORITHM)
    return user


@router.post(f"{VERIFY}/new-password-identity", body=NewPasswordIdentity, status=200, before=same_site)
async def new_password_identity(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    identifier = ctx.body.identifier.model_dump()
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.NewPasswordIdentity.Submit",
                             payload={"identifier": identifier, "password": "******"}):  # fmt: skip
        profile = flow.profile_of_identifier(identifier)
        async with ctx.db.read() as conn:
            await flow.guard_unique(conn, ctx.tenant_id, profile)
        digest = await flow.password_digest(await common.sign_in_experience(ctx), ctx.body.password, profile)
        record = domain.new_record("NewPasswordIdentity", identifier=identifier, **digest)
        domain.put_record(state, record)
        await common.save(ctx, state)
    return {"verificationId": record["id"]}


@router.post(f"{VERIFY}/verification-code", body=SendCode, status=200, before=same_site)
async def send_code(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    identifier = ctx.body.identifier.model_dump()
    event = ctx.body.interaction_event
    kind = domain.CODE_TYPES[identifier["type"]]
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.{kind}.Create",
                             payload={"identifier": identifier, "interactionEvent": event}):  # fmt: skip
        sie = await common.sign_in_experience(ctx)
        if not state.get("userId") and (sie.get("captchaPolicy") or {}).get("enabled"):
            captcha = state.get("captcha") or {}
            if not (captcha.get("verified") or captcha.get("skipped")):
                raise LogtoError("session.captcha_required", 422)
        skip = await _skip_delivery(ctx, state, sie, identifier, event)
        record = await _send(ctx, state, kind, identifier, TEMPLATES[event], skip)
    return {"verificationId": record["id"]}


async def _send(ctx: Ctx, state: dict[str, Any], kind: str, identifier: dict[str, str], template: str, skip: bool) -> dict[str, Any]:
    """A new code record: the code stored under the record's id, then sent (unless `skip`)."""
    record = domain.new_record(kind, identifier=identifier, templateType=template, verified=False)
    async with ctx.db.read() as conn:
        factory, config = await connectors.message_connector(
            conn, ctx.state.box, ctx.tenant_id, EMAIL if identifier["type"] == "email" else SMS
        )
        mail_template = await connectors.email_template(conn, ctx.tenant_id, template, None)
    code = codes.new_code()
    async with ctx.db.write() as conn:
        await store.put_code(conn, {
            "tenant_id": ctx.tenant_id, "id": ids.standard_id(), "interaction_jti": record["id"],
            "email": identifier["value"] if identifier["type"] == "email" else None,
            "phone": identifier["value"] if identifier["type"] == "phone" else None,
            "type": template, "code": code, "consumed": False, "try_count": 0, "created_at": clock.now_ms(),
        })  # fmt: skip
    if not skip:
        try:
            await connectors.deliver(factory, config, identifier["value"], template, {"code": code}, mail_template,
                                     common.client_ip(ctx))  # fmt: skip
        except LogtoError as exc:
            if exc.code != "connector.template_not_found" or template == "Generic":
                raise
            # Logto's connectors fall back to the Generic template for the newer usage types.
            await connectors.deliver(factory, config, identifier["value"], "Generic", {"code": code}, mail_template,
                                     common.client_ip(ctx))  # fmt: skip
    domain.put_record(state, record)
    await common.save(ctx, state)
    return record


async def _skip_delivery(ctx: Ctx, state: dict[str, Any], sie: dict[str, Any], identifier: dict[str, str], event: str) -> bool:
    """Logto's shouldSkipDelivery: no code is sent to an unknown recipient when it could not be
    used (forgot password; sign-in with registration off)."""
    if event == "ForgotPassword" or (event == "SignIn" and not state.get("userId") and sie.get("signInMode") == "SignIn"):
        async with ctx.db.read() as conn:
            return await flow.find_user(conn, ctx.tenant_id, identifier) is None
    return False


@router.post(f"{VERIFY}/verification-code/verify", body=CheckCode, status=200, before=same_site)
async def check_code(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    identifier = ctx.body.identifier.model_dump()
    kind = domain.CODE_TYPES[identifier["type"]]
    return await _verify(ctx, state, kind, identifier, ctx.body.verification_id, ctx.body.code)


async def _verify(ctx: Ctx, state: dict[str, Any], kind: str, identifier: dict[str, str], verification_id: str,
                  code: str) -> dict[str, str]:  # fmt: skip
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.{kind}.Submit",
                             payload={"identifier": identifier, "verificationId": verification_id}):  # fmt: skip
        record = domain.record_by_type_and_id(state, kind, verification_id)
        await with_sentinel(ctx, identifier, "VerificationCode",
                            {"event": state["interactionEvent"], "verificationId": record["id"]},
                            _check_code(ctx, record, identifier, code))  # fmt: skip
        record["verified"] = True
        await common.save(ctx, state)
    return {"verificationId": record["id"]}


class MfaSend(web.Body):
    identifier_type: Literal["email", "phone"] = Field(alias="identifierType")


class MfaCheck(web.Body):
    identifier_type: Literal["email", "phone"] = Field(alias="identifierType")
    verification_id: str = Field(alias="verificationId", max_length=128)
    code: str = Field(max_length=64)


MFA_CODE_TYPES = {"email": "MfaEmailVerificationCode", "phone": "MfaPhoneVerificationCode"}


@router.post(f"{VERIFY}/mfa-verification-code", body=MfaSend, status=200, before=same_site)
async def send_mfa_code(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    if not state.get("userId"):
        raise LogtoError("session.identifier_not_found", 400)
    async with ctx.db.read() as conn:
        user = await users_store.get_user(conn, ctx.tenant_id, state["userId"])
    kind = ctx.body.identifier_type
    value = user.primary_email if kind == "email" else user.primary_phone
    if not value:
        raise LogtoError("session.mfa.mfa_factor_not_enabled", 400)
    identifier = {"type": kind, "value": value}
    record_kind = MFA_CODE_TYPES[kind]
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.{record_kind}.Create"):
        record = await _send(ctx, state, record_kind, identifier, "MfaVerification", False)
    return {"verificationId": record["id"]}


@router.post(f"{VERIFY}/mfa-verification-code/verify", body=MfaCheck, status=200, before=same_site)
async def check_mfa_code(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    kind = MFA_CODE_TYPES[ctx.body.identifier_type]
    record = domain.record_by_type_and_id(state, kind, ctx.body.verification_id)
    identifier = {"type": ctx.body.identifier_type, "value": record["identifier"]["value"]}
    return await _verify(ctx, state, kind, identifier, ctx.body.verification_id, ctx.body.code)


async def _check_code(ctx: Ctx, record: dict[str, Any], identifier: dict[str, str], code: str) -> None:
    expiration_s, max_tries = await codes.policy(ctx.db, ctx.tenant_id)
    failure: LogtoError | None = None
    async with ctx.db.write() as conn:
        row = await store.find_code(conn, ctx.tenant_id, record["id"])
        if row is None:
            failure = LogtoError("verification_code.not_found", 400)
        elif identifier["type"] == "email" and (row.email or "").lower() != identifier["value"].lower():
            failure = LogtoError("verification_code.email_mismatch", 400)
        elif identifier["type"] == "phone" and row.phone != identifier["value"]:
            failure = LogtoError("verification_code.phone_mismatch", 400)
        elif row.created_at + expiration_s * 1000 < clock.now_ms():
            failure = LogtoError("verification_code.expired", 400)
        elif row.try_count >= max_tries:
            failure = LogtoError("verification_code.exceed_max_try", 400)
        elif not hmac.compare_digest(code.encode(), row.code.encode()):
            await store.add_try(conn, ctx.tenant_id, row.id)
            failure = LogtoError("verification_code.code_mismatch", 400)
        elif not await store.consume_code(conn, ctx.tenant_id, row.id):
            failure = LogtoError("verification_code.not_found", 400)
    if failure is not None:  # after the commit: a wrong guess still counts
        raise failure


@router.post(f"{VERIFY}/one-time-token/verify", body=TokenBody, status=200, before=same_site)
async def verify_token(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    identifier = ctx.body.identifier.model_dump()
    if identifier["type"] != "email":
        raise LogtoError("guard.invalid_input", 400, type="body")
    record = domain.new_record("OneTimeToken", identifier=identifier, verified=False)
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.OneTimeToken.Submit",
                             payload={"identifier": identifier, "token": "******"}):  # fmt: skip
        context = await with_sentinel(ctx, identifier, "OneTimeToken",
                                      {"event": state["interactionEvent"], "verificationId": record["id"]},
                                      _consume_token(ctx, identifier["value"], ctx.body.token))  # fmt: skip
        record["verified"] = True
        if context:
            record["oneTimeTokenContext"] = context
        domain.put_record(state, record)
        state.setdefault("captcha", {})["skipped"] = True
        await common.save(ctx, state)
    return {"verificationId": record["id"]}


async def _consume_token(ctx: Ctx, email: str, token: str) -> dict[str, Any] | None:
    async with ctx.db.write() as conn:
        token_id, failure = await one_time_tokens.verify(conn, ctx.tenant_id, token, email)
        context = None
        if token_id is not None:
            from authkeep.store import one_time_tokens as tokens_store

            row = await tokens_store.find_by_id(conn, ctx.tenant_id, token_id)
            context = row.context if row is not None else None
    if failure is not None:
        raise failure
    return context or None
