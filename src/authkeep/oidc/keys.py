"""Signing keys: EC P-384 (ES384), kid = RFC 7638 thumbprint, private halves sealed at rest.

Every instance reads keys from the database and refreshes them on a short interval, so all
instances on one database serve the same JWKS and accept each other's tokens.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey

from authkeep import clock, ids
from authkeep.secretbox import SecretBox
from authkeep.store import keys as key_store
from authkeep.store.db import Database

ALGORITHM = "ES384"
_STATUS_ORDER = {"Current": 0, "Next": 1, "Previous": 2}


@dataclass(frozen=True)
class SigningKey:
    id: str
    kid: str
    status: str
    key: ECKey
    public_jwk: dict[str, Any]
    created_at: int


def new_key_row(tenant_id: str, box: SecretBox, status: str = "Current") -> dict[str, Any]:
    key = ECKey.generate_key("P-384", private=True)
    key_id = ids.standard_id()
    kid = key.thumbprint()
    public = key.as_dict(private=False)
    jwk = {"kty": "EC", "use": "sig", "kid": kid, "alg": ALGORITHM, "crv": public["crv"], "x": public["x"], "y": public["y"]}
    pem = key.as_pem(private=True).decode()
    return {
        "tenant_id": tenant_id,
        "id": key_id,
        "kind": "private",
        "algorithm": "EC",
        "status": status,
        "encrypted_value": box.seal(pem, aad=key_id),
        "public_jwk": jwk,
        "created_at": clock.now_ms(),
        "effective_at": None,
    }


class KeyRing:
    """The tenant's keys in memory; `refresh()` re-reads them from the database."""

    def __init__(self, db: Database, box: SecretBox, tenant_id: str, refresh_seconds: float = 10.0) -> None:
        self.db = db
        self.box = box
        self.tenant_id = tenant_id
        self.refresh_seconds = refresh_seconds
        self._keys: list[SigningKey] = []
        self._by_kid: dict[str, SigningKey] = {}
        self._loaded_at = 0.0
        self._miss_at = 0.0
        self._lock = asyncio.Lock()
        self.jwks_body: bytes = b'{"keys":[]}'

    async def refresh(self) -> None:
        async with self.db.read() as conn:
            rows = await key_store.list_keys(conn, self.tenant_id, "private")
        now = clock.now_ms()
        keys: list[SigningKey] = []
        for row in rows:
            status = row["status"]
            if status == "Next" and row["effective_at"] is not None and row["effective_at"] <= now:
                status = "Current"
            pem = self.box.open(row["encrypted_value"], aad=row["id"])
            key = ECKey.import_key(pem)
            keys.append(SigningKey(row["id"], row["public_jwk"]["kid"], status, key, row["public_jwk"], row["created_at"]))
        keys.sort(key=lambda k: (_STATUS_ORDER.get(k.status, 9), -k.created_at))
        self._keys = keys
        self._by_kid = {k.kid: k for k in keys}
        import orjson

        self.jwks_body = orjson.dumps({"keys": [k.public_jwk for k in keys]})
        self._loaded_at = time.monotonic()

    async def ensure_fresh(self) -> None:
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            async with self._lock:
                if time.monotonic() - self._loaded_at > self.refresh_seconds:
                    await self.refresh()

    @property
    def current(self) -> SigningKey:
        return self._keys[0]

    def find(self, kid: str) -> SigningKey | None:
        return self._by_kid.get(kid)

    async def find_or_reload(self, kid: str) -> SigningKey | None:
        """An unknown kid may be a rotation made by another instance; reload at most once a second."""
        found = self._by_kid.get(kid)
        if found is None and time.monotonic() - self._miss_at > 1.0:
            self._miss_at = time.monotonic()
            await self.refresh()
            found = self._by_kid.get(kid)
        return found
