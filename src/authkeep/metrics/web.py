"""`/metrics` and the middleware that counts every request (docs/operations.md, "Metrics").

The middleware labels a request with its route *template* (`/api/users/{userId}`), looked up by
the identity of the route Starlette matched (`scope["route"]`), so ids in paths never become
label values. A request only adds to plain counters per (route, method, status); they reach the
Prometheus metrics at `metrics.flush()`: before each scrape, and with several workers every second
in each worker (a scrape may miss up to a second of the other workers' requests).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import os
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import orjson
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount

from authkeep import metrics
from authkeep.clock import now_ms
from authkeep.store import hooks as hook_store

log = logging.getLogger("authkeep.metrics")
perf_counter = time.perf_counter
_BOUNDS = metrics.LATENCY_BUCKETS

UNMATCHED = "(unmatched)"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
GRANT_TYPES = frozenset(
    {
        "client_credentials",
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:token-exchange",
        "urn:ietf:params:oauth:grant-type:device_code",
    }
)
TOKEN_PATH = "/oidc/token"
_MAX_TOKEN_BODY = 64 * 1024
_FORWARDED = (b"forwarded", b"x-forwarded-for", b"x-real-ip", b"via")
HOOK_LAG_TTL = 5.0  # seconds a hook-lag reading is reused: scrapes never load the database


def route_templates(routes: Iterable[Any], prefix: str = "") -> dict[int, str]:
    """id(route) -> its full path template; a Mount stands for paths under it no route took."""
    found: dict[int, str] = {}
    for route in routes:
        path = prefix + getattr(route, "path", "")
        if isinstance(route, Mount):
            found[id(route)] = f"{path}/*"
            found.update(route_templates(route.routes, path))
        else:
            found[id(route)] = path or "/"
    return found


class MetricsMiddleware:
    def __init__(self, app: Any, routes: Iterable[Any]) -> None:
        self.app = app
        self.templates = route_templates(routes)
        # Per (route, method, status): [requests, seconds, per-bucket counts] since the last flush.
        self.pending: dict[tuple[str, str, int], list[Any]] = {}
        self.children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        metrics.FLUSHERS.append(self.flush)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500
        body: list[bytes] | None = None

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        if scope["path"] == TOKEN_PATH and scope["method"] == "POST":
            body = []
            receive = _copying(receive, body)
        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = perf_counter() - started
            route = scope.get("route")
            method = scope["method"]
            if method not in METHODS:  # any token is a valid method: bound the label
                method = "OTHER"
            key = (UNMATCHED if route is None else self.templates.get(id(route), UNMATCHED), method, status)
            tally = self.pending.get(key)
            if tally is None:
                tally = self.pending[key] = [0, 0.0, [0] * (len(_BOUNDS) + 1)]
            tally[0] += 1
            tally[1] += elapsed
            tally[2][bisect_left(_BOUNDS, elapsed)] += 1
            if body is not None and status == 200:
                metrics.TOKENS.labels(grant_type(scope, b"".join(body))).inc()

    def flush(self) -> None:
        pending, self.pending = self.pending, {}
        for key, (n, seconds, buckets) in pending.items():
            child = self.children.get(key)
            if child is None:
                route, method, status = key
                child = self.children[key] = (
                    metrics.REQUESTS.labels(method, route, str(status)),
                    metrics.LATENCY.labels(method, route),
                )
            child[0].inc(n)
            metrics.add_observations(child[1], seconds, buckets)

    def __repr__(self) -> str:
        return "MetricsMiddleware"


def _copying(receive: Any, into: list[bytes]) -> Any:
    size = 0

    async def wrapped() -> Any:
        nonlocal size
        message = await receive()
        chunk = message.get("body", b"")
        if chunk and size < _MAX_TOKEN_BODY:
            into.append(chunk)
            size += len(chunk)
        return message

    return wrapped


def grant_type(scope: Any, body: bytes) -> str:
    """The grant type of a token request the endpoint answered 200, from a bounded set."""
    ctype = next((v for k, v in scope["headers"] if k == b"content-type"), b"").split(b";")[0].strip().lower()
    value: Any = None
    try:
        if ctype == b"application/json":
            data = orjson.loads(body)
            value = data.get("grant_type") if isinstance(data, dict) else None
        else:
            value = next((v for k, v in parse_qsl(body.decode()) if k == "grant_type"), None)
    except (ValueError, UnicodeDecodeError):
        pass
    if isinstance(value, list) and value:  # JSON may send one-item lists (oidc/token.py reads them)
        value = value[0]
    return value if isinstance(value, str) and value in GRANT_TYPES else "other"


# --- access --------------------------------------------------------------------------------------


def networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`AUTHKEEP_METRICS_ALLOW`: comma-separated addresses or networks; `none` for none."""
    if spec.strip().lower() in {"", "none", "off"}:
        return ()
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def allowed(scope: Any, nets: tuple[Any, ...], token: str | None) -> bool:
    """From an allowed network, or with the bearer secret. A loopback address on a request that
    carries a forwarding header is not local: a proxy on this host relayed it."""
    headers = scope["headers"]
    if token:
        scheme, _, given = next((v for k, v in headers if k == b"authorization"), b"").partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(given, token.encode()):
            return True
    client = scope.get("client")
    if not client or not nets:
        return False
    try:
        ip = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and any(k in _FORWARDED for k, _ in headers):
        return False
    return any(ip in net for net in nets)


# --- scrape ---------------------------------------------------------------------------------------


class HookLag(Collector):
    """Seconds the longest-waiting due webhook delivery has waited (0: none due)."""

    def __init__(self) -> None:
        self.value = 0.0
        self.read_at = -HOOK_LAG_TTL
        self.lock = asyncio.Lock()

    async def refresh(self, db: Any) -> None:
        if time.monotonic() - self.read_at < HOOK_LAG_TTL:
            return
        async with self.lock:
            if time.monotonic() - self.read_at < HOOK_LAG_TTL:
                return
            now = now_ms()
            try:
                async with db.read() as conn:
                    oldest = await hook_store.oldest_due(conn, now)
            except Exception as exc:  # noqa: BLE001 - a scrape must not fail because the database did
                log.warning("hook lag unavailable: %s", type(exc).__name__)
                return
            self.value = 0.0 if oldest is None else max(0, now - oldest) / 1000
            self.read_at = time.monotonic()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "authkeep_hook_delivery_lag_seconds",
            "How long the oldest webhook delivery that is due has been waiting (0: none due).",
            value=self.value,
        )


HOOK_LAG = HookLag()
REGISTRY.register(HOOK_LAG)


def read_pools(db: Any) -> None:
    for pool, (in_use, idle, most) in db.pool_stats().items():
        metrics.POOL.labels(pool, "in_use").set(in_use)
        metrics.POOL.labels(pool, "idle").set(idle)
        metrics.POOL.labels(pool, "max").set(most)


def _registry() -> CollectorRegistry:
    if not metrics.MULTIPROC:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(HOOK_LAG)
    return registry


async def metrics_endpoint(request: Request) -> Response:
    settings = request.app.state.authkeep.settings
    if not allowed(request.scope, request.app.state.metrics_networks, settings.metrics_token):
        return PlainTextResponse("Forbidden\n", 403)
    db = request.app.state.authkeep.db
    metrics.flush()
    read_pools(db)
    await HOOK_LAG.refresh(db)
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


# --- lifecycle -------------------------------------------------------------------------------------


async def _tick(db: Any) -> None:
    while True:
        try:
            metrics.flush()
            read_pools(db)
        except Exception as exc:  # noqa: BLE001 - counting must never stop the worker
            log.warning("metrics flush failed: %s", type(exc).__name__)
        await asyncio.sleep(metrics.FLUSH_EVERY)


def start(app: Any, db: Any) -> None:
    """Per worker: parse the allow-list once; with several workers, flush this worker's counts
    and pool readings every second, since a scrape is answered by one worker only."""
    app.state.metrics_networks = networks(app.state.authkeep.settings.metrics_allow)
    app.state.metrics_tick = asyncio.get_running_loop().create_task(_tick(db)) if metrics.MULTIPROC else None


async def stop(app: Any) -> None:
    task = getattr(app.state, "metrics_tick", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    metrics.flush()  # a stopping worker's last counts stay in its file
    if metrics.MULTIPROC:
        multiprocess.mark_process_dead(os.getpid())  # drops this worker's gauges from the sums
