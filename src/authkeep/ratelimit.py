"""Rate limiting on the `limits` library: per app on /api, per client IP on /oidc/token.

Counters live in memory for one process, or in Redis (AUTHKEEP_REDIS_URL) so several instances
share one budget. If the store fails, the configured policy decides (open: let requests through;
closed: 503) and the failure is logged, never turned into a 500.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from authkeep import metrics

log = logging.getLogger("authkeep.ratelimit")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: int = 0
    unavailable: bool = False


def parse_limit(value: str | None) -> RateLimitItem | None:
    """`200/10 seconds`, `200 per 10 seconds`, `1000/minute`; empty or `off` disables."""
    if value is None or value.strip().lower() in {"", "off", "none", "0"}:
        return None
    return parse(value)


def _storage(redis_url: str | None) -> Storage:
    if redis_url:
        uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
        return RedisStorage(uri, wrap_exceptions=True, key_prefix="authkeep", stream_timeout=0.5, connect_timeout=0.5)
    return MemoryStorage()


class RateLimiter:
    def __init__(self, redis_url: str | None, fail_open: bool = True) -> None:
        self.storage = _storage(redis_url)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self.fail_open = fail_open
        self._last_error_log = 0.0

    async def check(self, limit: RateLimitItem, scope: str, key: str) -> Verdict:
        window = limit.get_expiry()
        policy = {"RateLimit-Policy": f'"{scope}";q={limit.amount};w={window}'}
        try:
            allowed = await self.strategy.hit(limit, scope, key)
            stats = await self.strategy.get_window_stats(limit, scope, key)
        except Exception as exc:  # noqa: BLE001 - any store failure falls under the fail policy
            self._log_failure(exc)
            if self.fail_open:
                return Verdict(True, {})
            return Verdict(False, {"Retry-After": "1"}, 1, unavailable=True)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        headers = {**policy, "RateLimit": f'"{scope}";r={stats.remaining};t={reset}'}
        if allowed:
            return Verdict(True, headers)
        retry = max(1, reset)
        metrics.RATE_LIMITED.labels(scope).inc()
        return Verdict(False, {**headers, "Retry-After": str(retry)}, retry)

    def _log_failure(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_error_log > 10:  # one line per 10 s, not one per request
            self._last_error_log = now
            policy = "open" if self.fail_open else "closed"
            log.warning("rate-limit store unavailable (%s); failing %s", type(exc).__name__, policy)
