"""Impersonation subject tokens (Logto's `POST /subject-tokens`, RFC 0005): `sub_` and a standard
id, good for one token exchange within 600 seconds. Only the token's digest is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.errors import LogtoError
from authkeep.oidc import opaque
from authkeep.store import subject_tokens as store

PREFIX = "sub_"
EXPIRES_IN_S = 600
USER_ID_MAX = 21  # Logto's `user_id varchar(21)`


async def create(
    conn: AsyncConnection, tenant_id: str, user_id: str, context: dict[str, Any], creator_id: str
) -> str:
    if len(user_id) > USER_ID_MAX:
        raise LogtoError("entity.value_too_long", 422)
    if not await store.user_exists(conn, tenant_id, user_id):
        raise LogtoError("entity.relation_foreign_key_not_found", 404)  # Logto's foreign key answer
    token = PREFIX + ids.standard_id()
    now = clock.now_ms()
    await store.insert(conn, {
        "tenant_id": tenant_id, "id": opaque.digest(token), "user_id": user_id, "context": context,
        "creator_id": creator_id[:32], "created_at": now, "expires_at": now + EXPIRES_IN_S * 1000,
    })  # fmt: skip
    return token
