"""The Prometheus metrics every process records (docs/operations.md, "Metrics").

Imported by the hot paths that count (ratelimit, respcache, the HTTP middleware in metrics/web),
so it holds only the metric objects and the multiprocess directory's lifecycle.

With several uvicorn workers each process writes its values to memory-mapped files in
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode) and a scrape, answered by any
worker, sums them. prometheus-client picks the mode when it is first imported, so `authkeep serve`
sets the variable before uvicorn spawns the workers (`make_multiproc_dir`) and removes the
directory when the server stops.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
MULTIPROC = bool(os.environ.get(MULTIPROC_ENV))
_PREFIX = "authkeep-metrics-"

# Cached reads take ~0.1-0.3 ms; token requests and writes 1-50 ms.
disable_created_metrics()  # `_created` series double the output; multiprocess mode has none anyway

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "authkeep_http_requests", "HTTP requests answered, by route template and status.", ("method", "route", "status")
)
LATENCY = Histogram(
    "authkeep_http_request_duration_seconds",
    "Time from receiving a request to the end of its answer, by route template.",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
)
TOKENS = Counter("authkeep_tokens_issued", "Tokens issued by POST /oidc/token (200 answers).", ("grant_type",))
RATE_LIMITED = Counter(
    "authkeep_rate_limit_rejections", "Requests refused for being over a rate-limit budget (429).", ("scope",)
)
for _scope in ("api", "token"):  # present at 0 from the start
    RATE_LIMITED.labels(_scope)
TOKENS.labels("client_credentials")


class Tally:
    """A counter child for hot paths: `n += 1` in plain memory (~50 ns), added to the metric at
    `flush()` (an increment of a multiprocess value costs a few µs: a lock, getpid, an mmap write)."""

    __slots__ = ("child", "n")

    def __init__(self, child: Any) -> None:
        self.child = child
        self.n = 0

    def flush(self) -> None:
        if self.n:
            n, self.n = self.n, 0
            self.child.inc(n)


_CACHE = Counter("authkeep_response_cache_lookups", "Response-cache lookups of cacheable GETs.", ("result",))
CACHE_HIT = Tally(_CACHE.labels("hit"))
CACHE_MISS = Tally(_CACHE.labels("miss"))
# Per process, summed over the live workers.
POOL = Gauge(
    "authkeep_db_pool_connections",
    "Database connections held by the pools (engine: SQLAlchemy; reads/writes: asyncpg), by state.",
    ("pool", "state"),
    multiprocess_mode="livesum",
)

# Everything counted in plain memory since the last flush; run before every scrape and, with
# several workers, every FLUSH_EVERY seconds in each worker (metrics/web.py).
FLUSH_EVERY = 1.0
FLUSHERS: list[Callable[[], None]] = [CACHE_HIT.flush, CACHE_MISS.flush]


def flush() -> None:
    for flusher in FLUSHERS:
        flusher()


def add_observations(child: Any, total: float, counts: list[int]) -> None:
    """Add `counts[i]` observations to bucket i of a histogram child and `total` to its sum, as
    that many `observe()` calls would (prometheus-client stores per-bucket, not cumulative, counts)."""
    child._sum.inc(total)
    for bucket, n in zip(child._buckets, counts, strict=True):
        if n:
            bucket.inc(n)


def make_multiproc_dir() -> str:
    """A fresh directory for this server's workers, exported as PROMETHEUS_MULTIPROC_DIR.
    Directories left by servers that died without cleaning up are removed first."""
    base = Path(tempfile.gettempdir())
    for old in base.glob(f"{_PREFIX}*"):
        pid = old.name[len(_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and _owned(old):
            shutil.rmtree(old, ignore_errors=True)
    path = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")
    os.environ[MULTIPROC_ENV] = path
    return path


def remove_multiproc_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    if os.environ.get(MULTIPROC_ENV) == path:
        del os.environ[MULTIPROC_ENV]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owned(path: Path) -> bool:
    try:
        return path.stat().st_uid == os.getuid()
    except OSError:
        return False
