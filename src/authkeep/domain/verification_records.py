"""The Verification API's records (Logto `routes/verification`, `libraries/verification.ts`):
a password check or an e-mail/phone code, kept 10 minutes and tied to the user, whose id the
Account API takes in the `logto-verification-id` header (identity verification) or in the body
(`newIdentifierVerificationRecordId`, a code sent to an address the user does not hold yet).

Record data, as Logto's `toJson()` without the id:
- `{type: "Password", identifier: {type: "userId", value}, verified}`
- `{type: "EmailVerificationCode" | "PhoneVerificationCode", identifier: {type: "email" | "phone",
  value}, templateType, verified}`
"""

from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.connectors import EMAIL, SMS
from authkeep.domain import connectors
from authkeep.domain import users as user_rules
from authkeep.domain.organization_invitations import (
    MAX_SENDS_PER_RECIPIENT,
    SEND_WINDOW_MS,
    recipient_hash,
)
from authkeep.domain.verification_codes import new_code
from authkeep.domain.verification_codes import policy as code_policy
from authkeep.errors import LogtoError
from authkeep.secretbox import SecretBox
from authkeep.store import organization_invitations as sends
from authkeep.store import users as user_store
from authkeep.store import verification_records as store
from authkeep.store.db import Database

TTL_MS = 600_000  # Logto's `expirationTime` (queries/verification-records.ts)
PASSWORD = "Password"
EMAIL_CODE = "EmailVerificationCode"
PHONE_CODE = "PhoneVerificationCode"
USER_PERMISSION = "UserPermissionValidation"
BIND_NEW = "BindNewIdentifier"
BIND_MFA = "BindMfa"
SEND_ACTION = "VerificationCodeSend"


def not_found() -> LogtoError:
    return LogtoError("verification_record.not_found", 400)


def code_kind(identifier_type: str) -> str:
    return EMAIL_CODE if identifier_type == "email" else PHONE_CODE


async def create_password(db: Database, tenant_id: str, user_id: str, password: str) -> tuple[str, int]:
    """(record id, expiresAt ms); 422 `session.invalid_credentials` on a wrong password."""
    await user_rules.verify_password(db, tenant_id, user_id, password)
    record_id = ids.standard_id()
    data = {"type": PASSWORD, "identifier": {"type": "userId", "value": user_id}, "verified": True}
    now = clock.now_ms()
    async with db.write() as conn:
        await store.insert(conn, tenant_id, record_id, user_id, data, now, now + TTL_MS)
    return record_id, now + TTL_MS


async def send_code(
    db: Database,
    box: SecretBox,
    tenant_id: str,
    user_id: str,
    identifier: dict[str, str],
    template_type: str | None,
    ip: str | None,
) -> tuple[str, int]:
    """Sends a code to the identifier; the record belongs to the user only when the identifier is
    the user's own (a new address: template BindNewIdentifier, no owner). 501 without a
    connector, 429 over the per-recipient send cap."""
    kind, value = identifier["type"], identifier["value"]
    async with db.read() as conn:
        user = await user_store.get_user(conn, tenant_id, user_id)
        own = user.primary_email if kind == "email" else user.primary_phone
        is_new = value != own
        template = BIND_NEW if is_new else (template_type or USER_PERMISSION)
        factory, config = await connectors.message_connector(conn, box, tenant_id, EMAIL if kind == "email" else SMS)
        email_template = await connectors.email_template(conn, tenant_id, template, None)
        target = recipient_hash(value)
        now = clock.now_ms()
        if await sends.count_sends(conn, tenant_id, target, SEND_ACTION, now - SEND_WINDOW_MS) >= MAX_SENDS_PER_RECIPIENT:
            raise LogtoError("request.message_rate_limited", 429)
    record_id, code = ids.standard_id(), new_code()
    email, phone = (value, None) if kind == "email" else (None, value)
    async with db.write() as conn:
        await store.replace_code(
            conn,
            {"tenant_id": tenant_id, "id": ids.standard_id(), "interaction_jti": record_id, "email": email,
             "phone": phone, "type": template, "code": code, "consumed": False, "try_count": 0, "created_at": now},
        )  # fmt: skip
    await connectors.deliver(factory, config, value, template, {"code": code}, email_template, ip)
    data = {"type": code_kind(kind), "identifier": {"type": kind, "value": value}, "templateType": template, "verified": False}
    now = clock.now_ms()
    async with db.write() as conn:
        await sends.prune_sends(conn, tenant_id, target, SEND_ACTION, now - SEND_WINDOW_MS)
        await sends.record_send(conn, tenant_id, target, SEND_ACTION, now)
        await store.insert(conn, tenant_id, record_id, None if is_new else user_id, data, now, now + TTL_MS)
    return record_id, now + TTL_MS


async def verify_code(db: Database, tenant_id: str, identifier: dict[str, str], record_id: str, code: str) -> str:
    """Logto's CodeVerification.verify through libraries/passcode verifyPasscode; the record is
    marked verified. A wrong code counts even though the request fails."""
    kind, value = identifier["type"], identifier["value"]
    expiration_s, max_tries = await code_policy(db, tenant_id)
    failure: LogtoError | None = None
    async with db.write() as conn:
        record = await store.find_active(conn, tenant_id, record_id, clock.now_ms())
        if record is None or record.data.get("type") != code_kind(kind):
            raise not_found()
        template = str(record.data.get("templateType") or "")
        stored = record.data.get("identifier") or {}
        email, phone = (stored.get("value"), None) if kind == "email" else (None, stored.get("value"))
        row = await store.find_code(conn, tenant_id, record.id, template, email, phone)
        failure = await _check(conn, tenant_id, row, kind, value, code, expiration_s, max_tries)
        if failure is None:
            await store.update_data(conn, tenant_id, record.id, {**record.data, "verified": True})
    if failure is not None:
        raise failure
    return record_id


async def _check(
    conn: AsyncConnection, tenant_id: str, row: Any, kind: str, value: str, code: str, expiration_s: int, max_tries: int
) -> LogtoError | None:
    if row is None or not code:
        return LogtoError("verification_code.not_found", 400)
    sent_to = row.email if kind == "email" else row.phone
    if sent_to != value:
        return LogtoError(f"verification_code.{kind}_mismatch", 400)
    if row.created_at + expiration_s * 1000 < clock.now_ms():
        return LogtoError("verification_code.expired", 400)
    if row.try_count >= max_tries:
        return LogtoError("verification_code.exceed_max_try", 400)
    if not hmac.compare_digest(code.encode(), row.code.encode()):
        await store.add_try(conn, tenant_id, row.id)
        return LogtoError("verification_code.code_mismatch", 400)
    if not await store.consume(conn, tenant_id, row.id):
        return LogtoError("verification_code.not_found", 400)
    return None


def is_permission_record(record: store.Record | None, user_id: str) -> bool:
    """koa-oidc-auth's isUserPermissionVerificationRecord: the user's own, verified, and a
    password or a UserPermissionValidation code."""
    if record is None or record.user_id != user_id or record.data.get("verified") is not True:
        return False
    kind = record.data.get("type")
    if kind == PASSWORD:
        return True
    return kind in (EMAIL_CODE, PHONE_CODE) and record.data.get("templateType") == USER_PERMISSION


async def identity_verified(conn: AsyncConnection, tenant_id: str, record_id: str | None, user_id: str) -> bool:
    if not record_id:
        return False
    return is_permission_record(await store.find_active(conn, tenant_id, record_id, clock.now_ms()), user_id)


async def new_identifier(conn: AsyncConnection, tenant_id: str, record_id: str, kind: str, value: str) -> None:
    """buildVerificationRecordByIdAndType + the checks of the primary-email/phone routes: a
    verified code record of the kind, sent to exactly `value`; else 400 not_found."""
    record = await store.find_active(conn, tenant_id, record_id, clock.now_ms())
    if record is None or record.data.get("type") != code_kind(kind):
        raise not_found()
    if record.data.get("verified") is not True:
        raise not_found()
    if (record.data.get("identifier") or {}).get("value") != value:
        raise not_found()
