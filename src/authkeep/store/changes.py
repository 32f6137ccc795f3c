"""Tell every process on the same PostgreSQL which data changed (LISTEN/NOTIFY).

Every committed write bumps the counters of the families it touched (`store/events.py`) in its
own process at once; the `Announcer` then sends a NOTIFY whose payload is `<origin> <families>`
before the writer answers, and every other process's `Listener` bumps those families on receipt.
Writes made outside authkeep (psql, scripts) notify `external <table>` through a statement
trigger on every table (migrations 0005, 0007), which skips authkeep's own sessions
(`APP_SETTING`). A payload that names nothing, or something unknown, means "everything".

`Listener.barrier()` makes this exact rather than eventual: PostgreSQL delivers a session's
pending notifications before the ReadyForQuery of its next statement, so once a `SELECT 1` on
the LISTEN connection returns, every change committed before the barrier began has been seen.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import asyncpg

from authkeep.store import events

CHANNEL = "authkeep_changes"
LISTENER_NAME = "authkeep-changes"  # application_name of the LISTEN connections, for operators
# Set on every connection authkeep opens; the change trigger leaves those sessions to the Announcer.
APP_SETTING = {"authkeep.app": "on"}
log = logging.getLogger("authkeep.changes")
_FAILURES = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


def connect_args(url: Any) -> dict[str, Any]:
    return {
        "host": url.host, "port": url.port or 5432, "user": url.username,
        "password": url.password, "database": url.database,
    }


class Coalesced:
    """Runs `op` for waiting callers, one run at a time. A caller is always answered by a run
    that started after it called, so callers arriving during a run share the next one."""

    def __init__(self, op: Callable[[], Awaitable[bool]]) -> None:
        self._op = op
        self._next: asyncio.Future[bool] | None = None
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self) -> bool:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiter = self._next
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await asyncio.shield(waiter)

    async def _run(self) -> None:
        while self._next is not None:
            batch, self._next = self._next, None
            try:
                ok = await self._op()
            except asyncio.CancelledError:
                for waiter in (batch, self._next):
                    if waiter is not None and not waiter.done():
                        waiter.set_result(False)
                self._next = None
                raise
            except Exception:  # a waiter must never hang; False means "unknown"
                log.exception("change feed operation failed")
                ok = False
            batch.set_result(ok)

    async def close(self) -> None:
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)


class Announcer:
    """Sends NOTIFY after commits; `announce()` returns once other processes have been signalled."""

    def __init__(self, url: Any, origin: str) -> None:
        self._url = url
        self._origin = origin
        self._conn: Any = None
        self._pending: set[str] = set()
        self._run = Coalesced(self._send)

    async def announce(self, families: Iterable[str]) -> bool:
        self._pending.update(families)
        return await self._run()

    async def _send(self) -> bool:
        families, self._pending = self._pending, set()
        payload = f"{self._origin} {','.join(sorted(families))}"
        for _attempt in range(2):  # a connection that died since the last send: once more afresh
            try:
                if self._conn is None or self._conn.is_closed():
                    # Nothing durable is written here, so the NOTIFY's commit need not wait for a WAL flush.
                    settings = {**APP_SETTING, "synchronous_commit": "off"}
                    self._conn = await asyncpg.connect(**connect_args(self._url), server_settings=settings, timeout=5)
                await self._conn.execute(f"SELECT pg_notify('{CHANNEL}', $1)", payload, timeout=5)
                return True
            except _FAILURES as exc:
                log.warning("change notification failed: %s", type(exc).__name__)
                conn, self._conn = self._conn, None
                if conn is not None:
                    conn.terminate()
        self._pending |= families  # the writes are committed: the next announcement carries them
        return False

    async def close(self) -> None:
        await self._run.close()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def parse(payload: str, origin: str) -> frozenset[str] | None:
    """The families a notification names; empty for this process's own, None for "everything"."""
    sender, _, items = payload.partition(" ")
    if sender == origin:
        return frozenset()
    if not items:
        return None
    found: set[str] = set()
    for item in items.split(","):
        families = events.families_of_item(item)
        if families is events.ALL:
            return None
        found |= families
    return frozenset(found)


class Listener:
    """Holds one LISTEN connection and reconnects it; `connected` says whether it is live."""

    def __init__(
        self,
        url: Any,
        origin: str,
        on_change: Callable[[Iterable[str] | None], None],
        retry: float = 1.0,
        heartbeat: float = 5.0,
    ) -> None:
        self._url = url
        self._origin = origin
        self._on_change = on_change
        self._retry = retry
        self._heartbeat = heartbeat
        self._conn: Any = None
        self._task: asyncio.Task[None] | None = None
        self._lost: asyncio.Event | None = None
        self.connected = False
        self.barrier = Coalesced(self._sync)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def wait_connected(self, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.connected and loop.time() < deadline:
            await asyncio.sleep(0.02)
        return self.connected

    async def _sync(self) -> bool:
        conn = self._conn
        if not self.connected or conn is None:
            return False
        try:
            await conn.fetchval("SELECT 1", timeout=self._heartbeat)
        except _FAILURES as exc:
            log.warning("change listener stalled: %s", type(exc).__name__)
            self._mark_lost()
            return False
        # asyncpg ran the notification callbacks before resuming us (both go through call_soon).
        return self.connected

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        families = parse(payload, self._origin)
        if families is None or families:
            self._on_change(families)

    def _mark_lost(self, _conn: Any = None) -> None:
        if self.connected:
            self.connected = False
            self._on_change(None)
        if self._lost is not None:
            self._lost.set()

    async def _loop(self) -> None:
        while True:
            conn = None
            try:
                settings = {**APP_SETTING, "application_name": LISTENER_NAME}
                conn = await asyncpg.connect(**connect_args(self._url), timeout=5, server_settings=settings)
                self._lost = asyncio.Event()
                conn.add_termination_listener(self._mark_lost)
                await conn.add_listener(CHANNEL, self._notified)
                self._conn = conn
                # Whatever was written while nobody listened is unknown: start afresh.
                self._on_change(None)
                self.connected = True
                await self._watch(self._lost)
            except asyncio.CancelledError:
                if conn is not None:
                    conn.terminate()
                raise
            except _FAILURES as exc:
                log.warning("change listener unavailable: %s", type(exc).__name__)
            self._mark_lost()
            self._conn = None
            if conn is not None:
                conn.terminate()
            await asyncio.sleep(self._retry)

    async def _watch(self, lost: asyncio.Event) -> None:
        """Returns when the connection is gone; a silent one is caught by the heartbeat."""
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), self._heartbeat)
            except TimeoutError:
                await self.barrier()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.barrier.close()
        self.connected = False


def new_origin() -> str:
    return secrets.token_hex(8)
