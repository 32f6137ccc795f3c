"""Mint test tokens with the server's own signing key, read from its database like an instance would."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import orjson
from joserfc import jws
from joserfc.jwk import ECKey

from authkeep.config import normalize_database_url
from authkeep.secretbox import SecretBox
from authkeep.store import signing_keys as key_store
from authkeep.store.db import Database
from tests.server import MGMT, Server


async def _load(server: Server) -> tuple[str, ECKey]:
    db = Database(normalize_database_url(server.database_url))
    try:
        async with db.read() as conn:
            rows = await key_store.list_keys(conn, "default", "private")
    finally:
        await db.dispose()
    row = next(r for r in rows if r["status"] == "Current")
    pem = SecretBox(server.secret_key).open(row["encrypted_value"], aad=row["id"])
    return row["public_jwk"]["kid"], ECKey.import_key(pem)


def server_key(server: Server) -> tuple[str, ECKey]:
    return asyncio.run(_load(server))


def claims(server: Server, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "jti": "test",
        "sub": server.client_id,
        "iat": now,
        "exp": now + 600,
        "scope": "all",
        "client_id": server.client_id,
        "iss": f"{server.base_url}/oidc",
        "aud": MGMT,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def mint(server: Server, header: dict[str, Any] | None = None, **overrides: Any) -> str:
    kid, key = server_key(server)
    head = {"alg": "ES384", "typ": "at+jwt", "kid": kid, **(header or {})}
    return jws.serialize_compact(head, orjson.dumps(claims(server, **overrides)), key, algorithms=["ES384"])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(server: Server, alg: str = "none") -> str:
    head = b64(orjson.dumps({"alg": alg, "typ": "at+jwt"}))
    return f"{head}.{b64(orjson.dumps(claims(server)))}."


def hs256_with_public_key(server: Server) -> str:
    """The classic key-confusion attack: HMAC keyed with the server's public key."""
    import hashlib
    import hmac

    kid, key = server_key(server)
    public_pem = key.as_pem(private=False)
    head = b64(orjson.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid}))
    body = b64(orjson.dumps(claims(server)))
    sig = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"
