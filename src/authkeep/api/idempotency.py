"""`Idempotency-Key` on POST, for every route of a policy that names its caller's client
(management, end_user). The route contract (api/contract.py) calls `begin` once the request has
passed auth, the rate limit and input parsing, and `around` wraps the whole answer.

- A new key is claimed (one row, store/idempotency.py); the handler runs; its answer (status, body,
  headers) is stored unless it is a 5xx, which releases the key for a retry.
- The same key with the same request (method, path, query, body) replays the stored answer with
  `Idempotent-Replayed: true` and no effect; with another request: 422
  `request.idempotency_key_mismatch`; while the first is still running: 409
  `request.idempotency_key_in_progress` with `Retry-After: 1` (as Stripe).
- The effect's own transaction marks the key committed (`before_commit`), fenced by the claim's
  owner: a request whose claim was taken over rolls back instead of repeating the effect.
docs/operations.md, "Idempotency-Key".
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from authkeep.clock import now_ms
from authkeep.errors import LogtoError
from authkeep.hooks import capture
from authkeep.store import events, users_create
from authkeep.store import idempotency as store
from authkeep.store.db import Database
from authkeep.store.idempotency import KeyId

log = logging.getLogger("authkeep.idempotency")
HEADER = b"idempotency-key"
MAX_KEY = 255
# A claim whose request neither answered nor committed within this is taken to be abandoned.
LEASE_MS = 300_000
# Never stored or replayed: they describe this answer, not the first one.
_NOT_STORED = frozenset({"content-length", "x-request-id", "retry-after"})


class Claim:
    __slots__ = ("active", "db", "kid", "marked", "owner")

    def __init__(self, db: Database, kid: KeyId, owner: str) -> None:
        self.db, self.kid, self.owner = db, kid, owner
        self.active = True  # until the answer: the request's writes are the keyed effect
        self.marked = False


current: ContextVar[Claim | None] = ContextVar("authkeep_idempotency_claim", default=None)


def requested(scope: dict[str, Any]) -> bool:
    """Does the request carry the header? The only cost a request without one pays."""
    for name, _ in scope["headers"]:
        if name == HEADER:
            return True
    return False


def _key(request: Request) -> str:
    value = request.headers.get("idempotency-key", "")
    if not 0 < len(value) <= MAX_KEY or not all(" " <= c <= "~" for c in value):
        raise LogtoError("request.idempotency_key_invalid", 400)
    return value


def _fingerprint(request: Request, body: bytes) -> str:
    try:  # the same JSON sent with its keys in another order is the same request
        body = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body.strip() else b""
    except orjson.JSONDecodeError:
        pass
    scope = request.scope
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope["query_string"], body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _in_progress() -> LogtoError:
    return LogtoError("request.idempotency_key_in_progress", 409, headers={"Retry-After": "1"})


async def begin(
    request: Request, db: Database, tenant_id: str, scope: tuple[str, str], ttl_s: float
) -> Response | None:
    """Claim the key (then None: run the handler), or the stored answer to replay; raises 400,
    409 or 422 as documented above."""
    kid = KeyId(tenant_id, scope[0], scope[1], _key(request))
    fingerprint = _fingerprint(request, await request.body())
    owner = secrets.token_hex(16)
    for _ in range(3):  # a key released between our claim and our read: claim again
        now = now_ms()
        async with db.write() as conn:
            claimed = await store.claim(conn, kid, fingerprint, owner, now, LEASE_MS, int(ttl_s * 1000))
        if claimed:
            current.set(Claim(db, kid, owner))
            users_create.needs_transaction.set(True)  # the create must commit through write()
            return None
        async with db.read() as conn:
            row = await store.find(conn, kid)
        if row is None:
            continue
        if row.fingerprint != fingerprint:
            raise LogtoError("request.idempotency_key_mismatch", 422)
        if row.status is None:
            raise _in_progress()
        replay = Response(bytes(row.body or b""), row.status)
        for name, value in row.headers or []:
            replay.headers.append(name, value)
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    raise _in_progress()


async def around(respond: Callable[[Request], Awaitable[Response]], request: Request) -> Response:
    """Runs the answer; stores it for the key `begin` claimed, or releases the key."""
    try:
        response = await respond(request)
    except BaseException:
        await _end(None)
        raise
    await _end(response)
    return response


async def _end(response: Response | None) -> None:
    claim = current.get()
    if claim is None:
        return
    claim.active = False
    current.set(None)
    capture.current.set(None)  # the request's webhook capture is over: our write raises no event
    body = getattr(response, "body", None) if response is not None else None
    failed = response is None or response.status_code >= 500 or body is None
    if failed and claim.marked:
        # The effect committed, then the request failed: a retry must not repeat it. The key
        # stays in progress (409) until it expires; its lease cannot be taken over.
        log.warning("idempotency key kept after a failure that followed a commit")
        return
    try:
        async with claim.db.write() as conn:
            if failed:
                await store.release(conn, claim.kid, claim.owner)
            else:
                headers = [[k, v] for k, v in response.headers.items() if k not in _NOT_STORED and "ratelimit" not in k]
                await store.store(conn, claim.kid, claim.owner, response.status_code, bytes(body), headers)
    except Exception as exc:  # noqa: BLE001 - the answer stands; the lease frees an unreleased key
        log.warning("idempotency key not recorded: %s", type(exc).__name__)


async def before_commit(conn: AsyncConnection, collector: events.Collector) -> None:
    """`Database.write()` hook: the first transaction of a keyed request that changes something
    marks its key committed, or rolls back if the key is no longer its own."""
    claim = current.get()
    if claim is None or not claim.active or claim.marked or not collector.events:
        return
    if not await store.mark_committed(conn, claim.kid, claim.owner):
        raise _in_progress()
    claim.marked = True
