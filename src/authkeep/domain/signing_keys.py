"""Key rotation rules for `/api/configs/oidc/{keyType}` (Logto's libraries/oidc-private-key.ts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock
from authkeep.errors import LogtoError
from authkeep.oidc.signing_keys import effective_statuses
from authkeep.secretbox import SecretBox
from authkeep.store import signing_keys as key_store
from authkeep.store.signing_keys import new_cookie_key_row, new_key_row

KINDS = {"private-keys": "private", "cookie-keys": "cookie"}
_ORDER = {"Next": 0, "Current": 1, "Previous": 2}
MAX_COOKIE_KEYS = 2


def wire(row: dict[str, Any], status: str) -> dict[str, Any]:
    """createdAt is epoch seconds here, as in Logto."""
    out: dict[str, Any] = {"id": row["id"], "createdAt": row["created_at"] // 1000}
    if row["kind"] == "private":
        out["signingKeyAlgorithm"] = row["algorithm"]
        out["status"] = status
        if row["effective_at"] is not None and status == "Next":
            out["effectiveAt"] = row["effective_at"]
    return out


async def _lock(conn: AsyncConnection, tenant_id: str) -> None:
    """Serialise rotations of one tenant across instances (SQLite writes are already serial)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"keys:{tenant_id}"})


async def _normalized(conn: AsyncConnection, tenant_id: str, kind: str) -> list[tuple[dict[str, Any], str]]:
    """Rows with their effective status; a due Next key is promoted and persisted here."""
    rows = await key_store.list_keys(conn, tenant_id, kind)
    if kind != "private":
        return [(r, "Current" if i == 0 else "Previous") for i, r in enumerate(rows)]
    statuses = effective_statuses(rows, clock.now_ms())
    for row in rows:
        if statuses[row["id"]] != row["status"]:
            await key_store.set_status(conn, tenant_id, row["id"], statuses[row["id"]])
    pairs = [(r, statuses[r["id"]]) for r in rows]
    return sorted(pairs, key=lambda p: (_ORDER.get(p[1], 9), -p[0]["created_at"]))


async def list_keys(conn: AsyncConnection, tenant_id: str, key_type: str) -> list[dict[str, Any]]:
    return [wire(r, s) for r, s in await _normalized(conn, tenant_id, KINDS[key_type])]


async def rotate(
    conn: AsyncConnection, tenant_id: str, key_type: str, box: SecretBox, algorithm: str, grace_seconds: int
) -> list[dict[str, Any]]:
    kind = KINDS[key_type]
    await _lock(conn, tenant_id)
    keys = await _normalized(conn, tenant_id, kind)
    if kind == "cookie":
        await key_store.insert_key(conn, new_cookie_key_row(tenant_id, box))
        for row, _ in keys[MAX_COOKIE_KEYS - 1 :]:
            await key_store.delete_key(conn, tenant_id, row["id"])
        return await list_keys(conn, tenant_id, key_type)
    if grace_seconds == 0:
        if any(status == "Next" for _, status in keys):
            raise LogtoError("oidc.invalid_request", 422)
        for row, status in keys:
            if status == "Current":
                await key_store.set_status(conn, tenant_id, row["id"], "Previous")
            else:  # at most two keys after an immediate rotation: the new Current and one Previous
                await key_store.delete_key(conn, tenant_id, row["id"])
        await key_store.insert_key(conn, new_key_row(tenant_id, box, "Current", algorithm))
    else:
        for row, status in keys:
            if status == "Next":  # a new staged key replaces a pending one
                await key_store.delete_key(conn, tenant_id, row["id"])
        staged = new_key_row(tenant_id, box, "Next", algorithm)
        staged["effective_at"] = clock.now_ms() + grace_seconds * 1000
        await key_store.insert_key(conn, staged)
    return await list_keys(conn, tenant_id, key_type)


async def delete(conn: AsyncConnection, tenant_id: str, key_type: str, key_id: str) -> None:
    kind = KINDS[key_type]
    await _lock(conn, tenant_id)
    keys = await _normalized(conn, tenant_id, kind)
    if len(keys) <= 1:
        raise LogtoError("oidc.key_required", 422)
    found = next((status for row, status in keys if row["id"] == key_id), None)
    if found is None:
        raise LogtoError("oidc.key_not_found", 404, id=key_id)
    if kind == "private" and found != "Previous":
        raise LogtoError("oidc.only_previous_key_can_be_deleted", 422)
    await key_store.delete_key(conn, tenant_id, key_id)
