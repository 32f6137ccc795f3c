"""A small TTL cache that also drops everything after any write.

Writes are seen through `Database.generation`: at once on SQLite and for this process's own
writes, within milliseconds for other processes on PostgreSQL (the change feed, `store.changes`,
without the per-lookup barrier the response cache pays for); `ttl` bounds the rest.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from authkeep.store.db import Database

_FAILED = object()  # a shared load that raised: each waiter loads for itself
K = TypeVar("K")
V = TypeVar("V")


class WriteAwareCache(Generic[K, V]):
    def __init__(self, db: Database, ttl: float, size: int = 4096) -> None:
        self.db = db
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[K, tuple[float, int, V]] = OrderedDict()
        self._flights: dict[K, asyncio.Future[Any]] = {}

    def get(self, key: K) -> V | None:
        if self.ttl <= 0:
            return None
        self.db.observe()
        item = self._items.get(key)
        if item is None:
            return None
        expires, generation, value = item
        if generation != self.db.generation or expires < time.monotonic():
            self._items.pop(key, None)
            return None
        return value

    async def load(self, key: K, loader: Callable[[], Awaitable[V | None]]) -> V | None:
        """The cached value, or `loader()`'s (cached unless None). Concurrent misses of one key
        share a single load, so an expiry under load costs one query, not one per request."""
        value = self.get(key)
        if value is not None or self.ttl <= 0:
            return value if value is not None else await loader()
        flight = self._flights.get(key)
        if flight is not None:
            shared = await asyncio.shield(flight)
            return await loader() if shared is _FAILED else shared  # type: ignore[return-value]
        flight = self._flights[key] = asyncio.get_running_loop().create_future()
        seen = self.db.generation  # before loading: a write meanwhile makes the value unusable
        try:
            value = await loader()
        except BaseException:
            flight.set_result(_FAILED)
            raise
        finally:
            self._flights.pop(key, None)
        if value is not None and seen == self.db.generation:
            self._items[key] = (time.monotonic() + self.ttl, seen, value)
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        flight.set_result(value)
        return value
