"""One-time tokens (Logto `routes/one-time-tokens.ts`, `libraries/one-time-token.ts`): single
use, expiry (default 600 s), statuses active | consumed | revoked | expired. Tokens are kept
sealed, found by their sha256."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.domain import connectors as _phrases  # noqa: F401  (registers the error phrases)
from authkeep.errors import LogtoError
from authkeep.secretbox import SecretBox
from authkeep.store import one_time_tokens as store

DEFAULT_EXPIRES_IN_S = 600
STATUSES = ("active", "consumed", "revoked", "expired")


def token_hash(tenant_id: str, token: str) -> str:
    return hashlib.sha256(f"{tenant_id}:{token}".encode()).hexdigest()


def _aad(tenant_id: str, token_id: str) -> str:
    return f"ott:{tenant_id}:{token_id}"


def status_of(row: Row[Any], now_ms: int) -> str:
    return "expired" if row.status == "active" and row.expires_at < now_ms else str(row.status)


def token_out(box: SecretBox, row: Row[Any], now_ms: int | None = None) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "id": row.id,
        "email": row.email,
        "token": box.open(row.sealed_token, aad=_aad(row.tenant_id, row.id)),
        "context": row.context or {},
        "status": status_of(row, clock.now_ms() if now_ms is None else now_ms),
        "createdAt": row.created_at,
        "expiresAt": row.expires_at,
    }


async def create(
    conn: AsyncConnection, box: SecretBox, tenant_id: str, email: str, context: dict[str, Any], expires_in_s: float | None
) -> str:
    now = clock.now_ms()
    await store.expire_by_email(conn, tenant_id, email, now)
    token_id, token = ids.standard_id(), ids.standard_secret()
    await store.insert_token(
        conn,
        {
            "tenant_id": tenant_id,
            "id": token_id,
            "email": email,
            "token_hash": token_hash(tenant_id, token),
            "sealed_token": box.seal(token, aad=_aad(tenant_id, token_id)),
            "context": context,
            "status": "active",
            "created_at": now,
            "expires_at": now + int((DEFAULT_EXPIRES_IN_S if expires_in_s is None else expires_in_s) * 1000),
        },
    )
    return token_id


async def find(conn: AsyncConnection, tenant_id: str, token_id: str) -> Row[Any]:
    row = await store.find_by_id(conn, tenant_id, token_id)
    if row is None:
        raise LogtoError("entity.not_exists_with_id", 404, name="one_time_tokens", id=token_id)
    return row


async def verify(conn: AsyncConnection, tenant_id: str, token: str, email: str) -> tuple[str | None, LogtoError | None]:
    """(the consumed token's id, None) or (None, the error). An expired active token is marked
    expired even though the call fails, so the caller commits before raising."""
    row = await store.find_by_hash(conn, tenant_id, token_hash(tenant_id, token))
    if row is None:
        return None, LogtoError("one_time_token.token_not_found", 404, token=token)
    if row.email != email:
        return None, LogtoError("one_time_token.email_mismatch", 400)
    if row.expires_at <= clock.now_ms() or row.status == "expired":
        if row.status == "active":
            await store.set_status(conn, tenant_id, row.id, "expired", only_if="active")
        return None, LogtoError("one_time_token.token_expired", 400)
    if row.status == "consumed":
        return None, LogtoError("one_time_token.token_consumed", 400)
    if row.status == "revoked":
        return None, LogtoError("one_time_token.token_revoked", 400)
    # Only one of two concurrent verifications of the same token consumes it.
    if not await store.set_status(conn, tenant_id, row.id, "consumed", only_if="active"):
        return None, LogtoError("one_time_token.token_consumed", 400)
    return row.id, None


async def set_status(conn: AsyncConnection, tenant_id: str, token_id: str, status: str) -> None:
    await find(conn, tenant_id, token_id)
    if status == "active":
        raise LogtoError("one_time_token.cannot_reactivate_token", 400)
    await store.set_status(conn, tenant_id, token_id, status)
