"""Verification codes for back ends (Logto `routes/verification-code.ts`, `libraries/passcode.ts`):
a 6-digit `Generic` code per recipient sent through the tenant's e-mail or SMS connector, checked
against the sign-in experience's verificationCodePolicy (expiry, attempts)."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.connectors import EMAIL, SMS
from authkeep.domain import connectors
from authkeep.domain.organization_invitations import (
    MAX_SENDS_PER_RECIPIENT,
    SEND_WINDOW_MS,
    recipient_hash,
)
from authkeep.errors import LogtoError
from authkeep.secretbox import SecretBox
from authkeep.store import organization_invitations as sends
from authkeep.store import verification_codes as store
from authkeep.store.db import Database

CODE_TYPE = "Generic"
ACTION = "VerificationCodeSend"
DEFAULT_EXPIRATION_S = 600
DEFAULT_MAX_TRIES = 10


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


async def policy(db: Database, tenant_id: str) -> tuple[int, int]:
    """(expiration in seconds, max attempts) from the sign-in experience, else Logto's defaults."""
    async with db.read() as conn:
        data = await connectors.sign_in_document(conn, tenant_id)
    value = data.get("verificationCodePolicy") or {}
    expiration = value.get("expirationDuration")
    tries = value.get("maxRetryAttempts")
    return (
        expiration if isinstance(expiration, int) and expiration > 0 else DEFAULT_EXPIRATION_S,
        tries if isinstance(tries, int) and tries > 0 else DEFAULT_MAX_TRIES,
    )


async def request_code(db: Database, box: SecretBox, tenant_id: str, email: str | None, phone: str | None, ip: str | None) -> None:
    """501 without a connector of the kind, 429 over 10 sends per recipient per 10 minutes."""
    recipient = email if email is not None else phone
    assert recipient is not None
    kind = EMAIL if email is not None else SMS
    target = recipient_hash(recipient)
    now = clock.now_ms()
    async with db.read() as conn:
        factory, config = await connectors.message_connector(conn, box, tenant_id, kind)
        template = await connectors.email_template(conn, tenant_id, CODE_TYPE, None)
        if await sends.count_sends(conn, tenant_id, target, ACTION, now - SEND_WINDOW_MS) >= MAX_SENDS_PER_RECIPIENT:
            raise LogtoError("request.message_rate_limited", 429)
    code = new_code()
    async with db.write() as conn:
        await store.replace_code(
            conn,
            {
                "tenant_id": tenant_id,
                "id": ids.standard_id(),
                "email": email,
                "phone": phone,
                "type": CODE_TYPE,
                "code": code,
                "consumed": False,
                "try_count": 0,
                "created_at": now,
            },
        )
    await connectors.deliver(factory, config, recipient, CODE_TYPE, {"code": code}, template, ip)
    async with db.write() as conn:
        await sends.prune_sends(conn, tenant_id, target, ACTION, now - SEND_WINDOW_MS)
        await sends.record_send(conn, tenant_id, target, ACTION, clock.now_ms())


async def verify_code(db: Database, tenant_id: str, email: str | None, phone: str | None, code: str) -> None:
    expiration_s, max_tries = await policy(db, tenant_id)
    failure: LogtoError | None = None
    async with db.write() as conn:
        row = await store.find_unconsumed(conn, tenant_id, CODE_TYPE, email, phone)
        failure = await _check(conn, tenant_id, row, code, expiration_s, max_tries)
    if failure is not None:  # raised after the commit, so a wrong guess still counts
        raise failure


async def _check(conn: AsyncConnection, tenant_id: str, row: Any, code: str, expiration_s: int, max_tries: int) -> LogtoError | None:
    if row is None:
        return LogtoError("verification_code.not_found", 400)
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
