"""Opaque access tokens issued to end users (no resource): minted by the token endpoint, found by
the `end_user` policy (Account and Verification APIs) and `/oidc/me`. Stored under their digest.

AccessToken payload: `{accountId, clientId, scope, grantId, sessionUid?, iat}`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock
from authkeep.auth.policies import UserToken
from authkeep.oidc import opaque
from authkeep.store import oidc_models
from authkeep.store.db import Database

MODEL = "AccessToken"
TTL_S = 3600  # Logto: AccessToken without a resource


async def issue(
    conn: AsyncConnection,
    tenant_id: str,
    account_id: str,
    client_id: str,
    scopes: list[str],
    grant_id: str | None,
    ttl_s: int = TTL_S,
    extra: dict[str, Any] | None = None,
) -> str:
    """A new opaque access token; the caller sends it once, only its digest is kept."""
    token = opaque.new_secret()
    now = clock.now_ms()
    payload = {
        **(extra or {}), "accountId": account_id, "clientId": client_id, "scope": " ".join(scopes),
        "grantId": grant_id, "iat": now // 1000,
    }  # fmt: skip
    await oidc_models.insert(
        conn, tenant_id, MODEL, opaque.digest(token), payload, now + ttl_s * 1000,
        grant_id=grant_id, account_id=account_id, client_id=client_id,
    )  # fmt: skip
    return token


async def find(conn: AsyncConnection, tenant_id: str, token: str) -> oidc_models.Instance | None:
    if not token or len(token) > 512:
        return None
    return await oidc_models.find(conn, tenant_id, MODEL, opaque.digest(token), clock.now_ms())


class UserTokenLookup:
    """The `end_user` policy's lookup (auth/policies.py)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def find_access_token(self, tenant_id: str, token: str) -> UserToken | None:
        async with self.db.read() as conn:
            found = await find(conn, tenant_id, token)
        if found is None:
            return None
        scope = str(found.payload.get("scope") or "")
        scopes = frozenset(s for s in scope.split(" ") if s)
        return UserToken(found.account_id, found.client_id, scopes, found.grant_id)
