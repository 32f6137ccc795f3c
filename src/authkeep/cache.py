"""A small TTL cache that also drops everything after any write made by this process.

Other instances' writes are seen within `ttl` seconds (docs/security.md explains the bound).
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
        item = self._items.get(key)
        if item is None:
            return None
        expires, generation, value = item
        if generation != self.db.generation or expires < time.monotonic():
            self._items.pop(key, None)
            return None
        return value

    def put(self, key: K, value: V) -> None:
        if self.ttl <= 0:
            return
        self._items[key] = (time.monotonic() + self.ttl, self.db.generation, value)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
