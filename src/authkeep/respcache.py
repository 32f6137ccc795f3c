"""Authenticated GET responses, kept until a write to a family they read (docs/performance.md,
"Response cache").

A Management API GET answers the same bytes to every caller of a tenant until data changes, so
a repeated GET is served from memory after bearer auth and rate limiting have run. A route names
the table families its answer reads; before each lookup `Database.settle_request()` brings the
process's per-family counters up to every write committed anywhere (exact, not eventual), and an
entry is kept under the token of its families read *before* its handler ran, so a write to one
of them committed meanwhile leaves it stale at once, while writes to other families leave it
alone. Entries also expire after `ttl`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from starlette.responses import Response

from authkeep import metrics
from authkeep.store.db import Database

Key = tuple[str, str, bytes, bytes, bytes]
# On every answer served from the cache (bench/mixed.py counts the hit rate with it).
HIT_HEADER = (b"x-authkeep-cache", b"hit")
Token = tuple[tuple[str, ...], int]  # (families read, their token before the handler ran)


class ResponseCache:
    def __init__(self, db: Database, ttl: float, max_bytes: int = 64 << 20, max_body: int = 1 << 20) -> None:
        self.db = db
        self.ttl = ttl
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._items: OrderedDict[Key, tuple[float, int, bytes, list[tuple[bytes, bytes]]]] = OrderedDict()
        self._bytes = 0

    @staticmethod
    def key(tenant_id: str, scope: dict[str, Any]) -> Key:
        # The Link headers are absolute URLs built from the scheme and Host the caller used.
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        return tenant_id, scope["scheme"], host, scope.get("raw_path") or scope["path"].encode(), scope["query_string"]

    async def lookup(self, key: Key, families: tuple[str, ...]) -> tuple[Response | None, Token | None]:
        """A cached response, or the token to `put` a fresh one under (None: do not).
        `families` are the table families the route's answer reads (always the same per key)."""
        if self.ttl <= 0 or not await self.db.settle_request():
            return None, None
        token = self.db.token(families)
        item = self._items.get(key)
        if item is not None:
            expires, made_at, body, headers = item
            if made_at == token and expires >= time.monotonic():
                self._items.move_to_end(key)
                metrics.CACHE_HIT.n += 1
                response = Response(body)
                response.raw_headers = [*headers, HIT_HEADER]
                return response, None
            self._evict(key)
        metrics.CACHE_MISS.n += 1
        return None, (families, token)

    def put(self, key: Key, token: Token, response: Response) -> None:
        families, made_at = token
        body = bytes(response.body)
        if len(body) > self.max_body or made_at != self.db.token(families):
            return
        self._evict(key)
        self._items[key] = (time.monotonic() + self.ttl, made_at, body, list(response.raw_headers))
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            self._evict(next(iter(self._items)))

    def _evict(self, key: Key) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= len(item[2])
