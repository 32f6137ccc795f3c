"""Signing keys: EC P-384 (ES384) by default or RSA (RS256), kid = RFC 7638 thumbprint, private
halves sealed at rest. Statuses follow Logto: Current signs, Next is published ahead of its
`effectiveAt`, Previous still verifies (logto-facts §4.9).

Every instance reads keys from the database and follows the change feed (family `configs`,
store/events.py) before it uses them: a rotation or a delete answered by any instance is seen by
every instance at its next request (the `/oidc/jwks` answer, bearer verification, signing). The
statuses also depend on the clock (a Next key's `effectiveAt`), so they are re-read every
`refresh_seconds` as well.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson
from joserfc.jwk import ECKey, RSAKey

from authkeep import clock
from authkeep.secretbox import SecretBox
from authkeep.store import signing_keys as key_store
from authkeep.store.changes import Coalesced
from authkeep.store.db import Database

_STATUS_ORDER = {"Current": 0, "Next": 1, "Previous": 2}
FAMILIES = ("configs",)  # the table family of signing_keys


@dataclass(frozen=True)
class SigningKey:
    id: str
    kid: str
    alg: str
    status: str
    key: ECKey | RSAKey
    public_jwk: dict[str, Any]
    created_at: int


def effective_statuses(rows: list[dict[str, Any]], now_ms: int) -> dict[str, str]:
    """A Next key whose time has come is Current, and the Current it replaces is Previous."""
    statuses = {r["id"]: r["status"] for r in rows}
    due = [r for r in rows if r["status"] == "Next" and r["effective_at"] is not None and r["effective_at"] <= now_ms]
    if due:
        for r in rows:
            if statuses[r["id"]] == "Current":
                statuses[r["id"]] = "Previous"
        for r in due:
            statuses[r["id"]] = "Current"
    return statuses


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
        self._token: int | None = None  # the family token the keys in memory were read at
        self._reload = Coalesced(self._load)
        self.jwks_body: bytes = b'{"keys":[]}'

    async def refresh(self) -> None:
        async with self.db.read() as conn:
            rows = await key_store.list_keys(conn, self.tenant_id, "private")
        statuses = effective_statuses(rows, clock.now_ms())
        keys: list[SigningKey] = []
        for row in rows:
            pem = self.box.open(row["encrypted_value"], aad=row["id"])
            key: ECKey | RSAKey = ECKey.import_key(pem) if row["algorithm"] == "EC" else RSAKey.import_key(pem)
            jwk = row["public_jwk"]
            keys.append(SigningKey(row["id"], jwk["kid"], jwk["alg"], statuses[row["id"]], key, jwk, row["created_at"]))
        keys.sort(key=lambda k: (_STATUS_ORDER.get(k.status, 9), -k.created_at))
        self._keys = keys
        self._by_kid = {k.kid: k for k in keys}
        self.jwks_body = orjson.dumps({"keys": [k.public_jwk for k in keys]})
        self._loaded_at = time.monotonic()

    async def _load(self) -> bool:
        token = self.db.token(FAMILIES)
        await self.refresh()
        self._token = token
        return True

    async def ensure_fresh(self) -> None:
        """Re-read the keys if any instance changed them since they were read (exact: after the
        request's change-feed barrier), or if they are `refresh_seconds` old. Concurrent callers
        share one read that started after they asked."""
        settled = await self.db.settle_request()
        if (
            settled
            and self._token == self.db.token(FAMILIES)
            and time.monotonic() - self._loaded_at <= self.refresh_seconds
        ):
            return
        await self._reload()

    @property
    def current(self) -> SigningKey:
        return self._keys[0]

    def find(self, kid: str) -> SigningKey | None:
        return self._by_kid.get(kid)

    async def find_or_reload(self, kid: str) -> SigningKey | None:
        """An unknown kid: the change feed has already been followed (`ensure_fresh`), unless it
        is down; then reload, at most once a second."""
        found = self._by_kid.get(kid)
        if found is None and time.monotonic() - self._miss_at > 1.0:
            self._miss_at = time.monotonic()
            await self._reload()
            found = self._by_kid.get(kid)
        return found
