"""Signing-key rows (table `signing_keys`: private JWT keys and cookie keys): new rows, with the
private material sealed by SecretBox, and their SQL."""

from __future__ import annotations

from typing import Any

from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.secretbox import SecretBox
from authkeep.store.tables import signing_keys as t

ALGORITHMS = {"EC": "ES384", "RSA": "RS256"}


def new_key_row(tenant_id: str, box: SecretBox, status: str = "Current", algorithm: str = "EC") -> dict[str, Any]:
    key: ECKey | RSAKey = ECKey.generate_key("P-384", private=True) if algorithm == "EC" else RSAKey.generate_key(2048, private=True)
    key_id = ids.standard_id()
    public = key.as_dict(private=False)
    head = {"kty": public["kty"], "use": "sig", "kid": key.thumbprint(), "alg": ALGORITHMS[algorithm]}
    fields = ("crv", "x", "y") if algorithm == "EC" else ("e", "n")
    jwk = {**head, **{f: public[f] for f in fields}}
    return {
        "tenant_id": tenant_id,
        "id": key_id,
        "kind": "private",
        "algorithm": algorithm,
        "status": status,
        "encrypted_value": box.seal(key.as_pem(private=True).decode(), aad=key_id),
        "public_jwk": jwk,
        "created_at": clock.now_ms(),
        "effective_at": None,
    }


def new_cookie_key_row(tenant_id: str, box: SecretBox) -> dict[str, Any]:
    key_id = ids.standard_id()
    return {
        "tenant_id": tenant_id,
        "id": key_id,
        "kind": "cookie",
        "algorithm": "secret",
        "status": "Current",
        "encrypted_value": box.seal(ids.standard_secret(), aad=key_id),
        "public_jwk": None,
        "created_at": clock.now_ms(),
        "effective_at": None,
    }


async def list_keys(conn: AsyncConnection, tenant_id: str, kind: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(t).where(t.c.tenant_id == tenant_id, t.c.kind == kind).order_by(t.c.created_at.desc())
    )
    return [dict(r._mapping) for r in rows]


async def insert_key(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(t.insert().values(**row))


async def set_status(conn: AsyncConnection, tenant_id: str, key_id: str, status: str) -> None:
    await conn.execute(update(t).where(t.c.tenant_id == tenant_id, t.c.id == key_id).values(status=status))


async def delete_key(conn: AsyncConnection, tenant_id: str, key_id: str) -> None:
    await conn.execute(delete(t).where(t.c.tenant_id == tenant_id, t.c.id == key_id))
