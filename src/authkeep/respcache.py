"""Authenticated GET responses, kept until any write (docs/performance.md, "Response cache").

A Management API GET answers the same bytes to every caller of a tenant until data changes, so
a repeated GET is served from memory after bearer auth and rate limiting have run. Before each
lookup `Database.settle()` brings the process's generation up to every write committed anywhere
(exact, not eventual); an entry is stored under the generation read *before* its handler ran,
so a write committed meanwhile leaves it stale at once. Entries also expire after `ttl`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from starlette.responses import Response

from authkeep.store.db import Database

Key = tuple[str, str, bytes, bytes, bytes]


class ResponseCache:
    def __init__(self, db: Database, ttl: float, max_bytes: int = 64 << 20, max_body: int = 1 << 20) -> None:
        self.db = db
        self.ttl = ttl
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._items: OrderedDict[Key, tuple[float, bytes, list[tuple[bytes, bytes]]]] = OrderedDict()
        self._bytes = 0
        self._generation = db.generation  # every entry was made at this generation

    @staticmethod
    def key(tenant_id: str, scope: dict[str, Any]) -> Key:
        # The Link headers are absolute URLs built from the scheme and Host the caller used.
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        return tenant_id, scope["scheme"], host, scope.get("raw_path") or scope["path"].encode(), scope["query_string"]

    async def lookup(self, key: Key, families: tuple[str, ...] = ()) -> tuple[Response | None, int | None]:
        """A cached response, or the generation to `put` a fresh one under (None: do not).
        `families`: the table families the answer depends on (for per-family invalidation;
        today any write drops every entry)."""
        if self.ttl <= 0 or not await self.db.settle():
            return None, None
        if self._generation != self.db.generation:
            self._clear()
        item = self._items.get(key)
        if item is not None:
            expires, body, headers = item
            if expires >= time.monotonic():
                self._items.move_to_end(key)
                response = Response(body)
                response.raw_headers = list(headers)
                return response, None
            self._evict(key)
        return None, self._generation

    def put(self, key: Key, generation: int, response: Response) -> None:
        body = bytes(response.body)
        if len(body) > self.max_body or generation != self.db.generation:
            return
        if self._generation != generation:
            self._clear()
        self._evict(key)
        self._items[key] = (time.monotonic() + self.ttl, body, list(response.raw_headers))
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            self._evict(next(iter(self._items)))

    def _clear(self) -> None:
        self._items.clear()
        self._bytes = 0
        self._generation = self.db.generation

    def _evict(self, key: Key) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= len(item[1])
