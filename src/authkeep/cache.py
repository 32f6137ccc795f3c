"""A small TTL cache that follows the change feed exactly, per table family.

Before a cached value is trusted, the caller has run the change-feed barrier
(`Database.settle_request()`, shared by the whole request): every write committed anywhere
before the request arrived is then counted, and a value is kept under the token of its
families read before it was loaded. If the feed is down nothing is trusted or kept.
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
    def __init__(self, db: Database, ttl: float, families: tuple[str, ...], size: int = 4096) -> None:
        self.db = db
        self.ttl = ttl
        self.families = families
        self.size = size
        self._items: OrderedDict[K, tuple[float, int, V]] = OrderedDict()
        self._flights: dict[tuple[K, int], asyncio.Future[Any]] = {}

    async def load(self, key: K, loader: Callable[[], Awaitable[V | None]]) -> V | None:
        """The cached value, or `loader()`'s (cached unless None). Concurrent misses of one key
        share a single load, so an expiry under load costs one query, not one per request."""
        if self.ttl <= 0 or not await self.db.settle_request():
            return await loader()
        token = self.db.token(self.families)
        item = self._items.get(key)
        if item is not None:
            expires, made_at, value = item
            if made_at == token and expires >= time.monotonic():
                return value
            self._items.pop(key, None)
        # Only a load that began at this token may answer: one begun before a write we have
        # seen may have read the old rows.
        flight_key = (key, token)
        flight = self._flights.get(flight_key)
        if flight is not None:
            shared = await asyncio.shield(flight)
            return await loader() if shared is _FAILED else shared  # type: ignore[no-any-return]
        flight = self._flights[flight_key] = asyncio.get_running_loop().create_future()
        try:
            value = await loader()
        except BaseException:
            flight.set_result(_FAILED)
            raise
        finally:
            self._flights.pop(flight_key, None)
        if value is not None and token == self.db.token(self.families):
            self._items[key] = (time.monotonic() + self.ttl, token, value)
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        flight.set_result(value)
        return value
