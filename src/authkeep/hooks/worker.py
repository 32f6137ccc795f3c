"""The delivery worker: one per process. It claims due outbox rows (store.hooks.claim: leased, so
several instances never deliver a row twice, and a row claimed by a process that died is due again
when its lease ends), POSTs them signed, records every attempt in the logs (`TriggerHook.<event>`)
and retries failures with exponential backoff up to ATTEMPTS times."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag

from authkeep.clock import now_ms
from authkeep.domain import hooks as domain
from authkeep.hooks.sender import Sender, SendError
from authkeep.ids import standard_id
from authkeep.secretbox import SecretBox
from authkeep.store import hooks as store
from authkeep.store import logs
from authkeep.store.db import Database, commits

log = logging.getLogger("authkeep.hooks")

ATTEMPTS = 5  # deliveries tried per event and hook (then given up, logged as an Error)
BACKOFF_MS = 1000  # before attempt n+1: BACKOFF_MS * 2**(n-1)
LEASE_MS = 60_000  # a claimed row is due again after this (its claimer died mid-delivery)
ORPHAN_MS = 300_000  # a row whose request never finished is delivered (without data) after this
BATCH = 200
CONCURRENCY = 64
COALESCE_S = 0.02
SETTLE_ATTEMPTS = 3  # tries to record a round's outcome before leaving it to the lease
POLL_S = 1.0  # other instances' events and retries are seen at least this often
TIMEOUT_S = 10.0  # Logto's request timeout
MAX_LOGGED_BODY = 4096
PRUNE_S = 600.0


def seal_aad(tenant_id: str, hook_id: str) -> str:
    return f"hook:{tenant_id}:{hook_id}"


@dataclass
class Handed:
    """A committed outbox row this process delivers from memory first (see `hand_off`)."""

    id: int
    tenant_id: str
    hook_id: str
    event: str
    context: dict[str, Any]
    status: int
    data: Any
    ready: bool = True
    attempts: int = 1


class Worker:
    def __init__(self, db: Database, box: SecretBox) -> None:
        self.db = db
        self.box = box
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sender: Sender | None = None
        self._gate = asyncio.Semaphore(CONCURRENCY)
        self._next_prune = 0.0
        self._handed: list[Handed] = []

    def wake(self) -> None:
        self._wake.set()

    def hand_off(
        self, tenant_id: str, event: str, context: dict[str, Any], rows: list[tuple[int, str]], status: int, data: Any
    ) -> bool:
        """Rows a request committed, with its answer: delivered without reading them back; a
        failed first attempt writes status and data to the row for the retries."""
        self._handed += [Handed(i, tenant_id, hook, event, context, status, data) for i, hook in rows]
        self._wake.set()
        return True

    def start(self) -> None:
        self._sender = Sender(TIMEOUT_S, MAX_LOGGED_BODY)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._handed:  # not delivered yet: the rows keep their answer for the next process
            async with self.db.write() as conn:
                for row in self._handed:
                    await store.reschedule(conn, row.id, now_ms(), {"status": row.status, "data": row.data, "ready": True})
            self._handed.clear()
        if self._sender is not None:
            self._sender.close()

    async def _prune(self) -> None:
        """Audit log retention (AUTHKEEP_LOG_RETENTION_DAYS), checked every PRUNE_S."""
        if logs.RETENTION_DAYS > 0 and time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_S
            async with self.db.write() as conn:
                await logs.prune(conn, now_ms() - logs.RETENTION_DAYS * 86_400_000)

    async def _run(self) -> None:
        while True:
            try:
                await self._prune()
                done = await self.round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001  (the database may be down a while: try later)
                log.warning("webhook delivery round failed: %s", type(exc).__name__)
                done = 0
            if done >= BATCH or self._handed:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_S)
                await asyncio.sleep(COALESCE_S)  # let a burst gather: one read and one write per batch
            except TimeoutError:
                pass
            self._wake.clear()

    async def round(self) -> int:
        now = now_ms()
        if self._handed:
            claimed: list[Any] = self._handed[:BATCH]
            del self._handed[:BATCH]
            async with self.db.read() as conn:
                hooks = await store.hooks_by_id(conn, {row.hook_id for row in claimed})
        else:
            async with self.db.write() as conn:
                claimed = await store.claim(conn, now, now + LEASE_MS, now - ORPHAN_MS, BATCH, not self.db.is_sqlite)
                hooks = await store.hooks_by_id(conn, {row.hook_id for row in claimed}) if claimed else {}
        if not claimed:
            return 0
        results = await asyncio.gather(*(self._deliver(row, hooks.get(row.hook_id)) for row in claimed))
        done, later, entries = [], [], []
        for row, (ok, entry) in zip(claimed, results, strict=True):
            entries.append(entry)
            if ok or row.attempts >= ATTEMPTS:
                done.append(row.id)
            else:
                handed = {"status": row.status, "data": row.data, "ready": True, "attempts": 1}
                values = handed if isinstance(row, Handed) else {}
                later.append((row.id, now_ms() + BACKOFF_MS * 2 ** (row.attempts - 1), values))
        await self._settle(done, later, [e for e in entries if e is not None])
        return len(claimed)

    async def _settle(self, done: list[Any], later: list[Any], entries: list[dict[str, Any]]) -> None:
        """Record a round's outcome. Retried a few times: if it never lands, the rows wait for their
        lease to end (or, handed ones, for ORPHAN_MS) and are delivered again (at least once)."""
        for attempt in range(1, SETTLE_ATTEMPTS + 1):
            start = commits.get()
            try:
                async with self.db.write() as conn:
                    if done:
                        await store.drop_outbox(conn, done)
                    for outbox_id, due, values in later:
                        await store.reschedule(conn, outbox_id, due, values)
                    await store.add_logs(conn, entries)
                return
            except Exception:  # a busy or restarting database: try again shortly
                if attempt == SETTLE_ATTEMPTS or commits.get() != start:  # committed: never twice
                    raise
                await asyncio.sleep(0.2 * attempt)

    async def _deliver(self, row: Any, hook: Any) -> tuple[bool, dict[str, Any] | None]:
        if hook is None:  # deleted meanwhile (its rows go with it)
            return True, None
        try:
            key = self.box.open(hook.sealed_signing_key, seal_aad(hook.tenant_id, hook.id))
        except (ValueError, InvalidTag):  # sealed with a secret key no longer configured
            failed = {"hookId": hook.id, "error": "The signing key cannot be opened."}
            return False, delivery_log(hook.tenant_id, hook.id, row.event, False, failed)
        body = domain.payload(hook.id, row.event, row.context, row.status if row.ready else None, row.data)
        result: dict[str, Any] = {"hookId": hook.id, "hookRequest": {"body": body.decode()}}
        ok = False
        async with self._gate:
            try:
                assert self._sender is not None
                status, text = await self._sender.post(hook.config["url"], domain.headers(hook.config, key, body), body)
                ok = 200 <= status < 300
                result["response"] = {"statusCode": status, "body": text}
                if not ok:
                    result["error"] = f"Endpoint responded with status {status}."
            except SendError as exc:
                result["error"] = f"Request failed: {exc}"
        return ok, delivery_log(hook.tenant_id, hook.id, row.event, ok, result)


def delivery_log(tenant_id: str, hook_id: str, event: str, ok: bool, result: dict[str, Any]) -> dict[str, Any]:
    key = f"TriggerHook.{event}"
    payload = {"key": key, "result": "Success" if ok else "Error", **result}
    return {"tenant_id": tenant_id, "id": standard_id(), "key": key, "payload": payload, "hook_id": hook_id,
            "user_id": None, "application_id": None, "created_at": now_ms()}  # fmt: skip


async def start(db: Database, box: SecretBox) -> Any:
    """What delivers this process's events: under `authkeep serve`, the deliverer process
    (hooks/deliverer, reached through its socket), else a worker on this event loop.
    `Database.write()` gets the outbox hooks (hooks/capture) either way."""
    import os

    from authkeep.hooks import capture, deliverer

    db.before_commit.append(capture.before_commit)
    db.subscribe(capture.after_commit)
    address = os.environ.get(deliverer.ENV)
    if address:
        remote = deliverer.Remote(address, db)
        await remote.connect()
        return remote
    worker = Worker(db, box)
    worker.start()
    return worker


async def stop(worker: Any) -> None:
    from authkeep.hooks import capture

    await capture.drain()
    await worker.stop()
