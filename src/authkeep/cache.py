"""A small TTL cache that also drops everything after any write.

Writes are seen through `Database.generation`: at once on SQLite and for this process's own
writes, within milliseconds for other processes on PostgreSQL (the change feed, `store.changes`,
without the per-lookup barrier the response cache pays for); `ttl` bounds the rest.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

from authkeep.store.db import Database

K = TypeVar("K")
V = TypeVar("V")


class WriteAwareCache(Generic[K, V]):
    def __init__(self, db: Database, ttl: float, size: int = 4096) -> None:
        self.db = db
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[K, tuple[float, int, V]] = OrderedDict()

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

    def generation(self) -> int:
        """Read before loading a value, and pass to `put`: a write in between makes it unusable."""
        return self.db.generation

    def put(self, key: K, value: V, generation: int) -> None:
        if self.ttl <= 0 or generation != self.db.generation:
            return
        self._items[key] = (time.monotonic() + self.ttl, generation, value)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
