"""Webhook delivery in a process of its own, beside the HTTP workers of `authkeep serve`.

Signing, POSTing and recording deliveries costs more CPU than the request that raised the event;
on the request's event loop it slowed the requests that followed. The serving process starts one
deliverer (`spawn`) and restarts it should it die; it dies with its parent. HTTP workers hand
committed rows to it over a Unix socket in Linux's abstract namespace (no file to leave behind),
and the deliverer accepts only peers of its own user. A row it never receives is still in the
outbox: the deliverer's claim loop takes it (with its answer, or, if its request never finished,
as an orphan). docs/architecture.md, "Webhooks".
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import dataclasses
import logging
import os
import secrets
import signal
import socket
import struct
import subprocess
import sys
import threading
from typing import Any

import orjson

from authkeep import logsafe
from authkeep.clock import now_ms
from authkeep.config import load_settings
from authkeep.hooks.worker import Worker
from authkeep.secretbox import SecretBox
from authkeep.store import hooks as store
from authkeep.store.db import Database

log = logging.getLogger("authkeep.hooks")

ENV = "AUTHKEEP_HOOKS_DELIVERER"  # the socket's name, set by `spawn` for the HTTP workers
PARENT_ENV = "AUTHKEEP_HOOKS_PARENT"
POOL_SIZE = 2
RESTART_S = 1.0
SHUTDOWN_S = 10.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """SIGTERM when the server dies, however it dies (Linux); it may have died already."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        sys.exit(0)


class Supervisor:
    """Keeps one deliverer running for the serving process."""

    def __init__(self) -> None:
        self.address = f"\0authkeep-hooks-{os.getpid()}-{secrets.token_hex(8)}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="authkeep-deliverer", daemon=True)

    def start(self) -> None:
        os.environ[ENV] = self.address.replace("\0", "@", 1)
        self._launch()
        self._thread.start()

    def _launch(self) -> None:
        env = {**os.environ, ENV: self.address.replace("\0", "@", 1), PARENT_ENV: str(os.getpid())}
        self._proc = subprocess.Popen([sys.executable, "-m", "authkeep.hooks.deliverer"], env=env)

    def _watch(self) -> None:
        while not self._stopping.wait(RESTART_S):
            if self._proc is not None and self._proc.poll() is not None:
                log.warning("webhook deliverer exited (%s); restarting it", self._proc.returncode)
                self._launch()

    def stop(self) -> None:
        self._stopping.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def spawn() -> Supervisor:
    supervisor = Supervisor()
    supervisor.start()
    return supervisor


def socket_address(value: str) -> str:
    """The wire form of ENV (`@name`, as `ss` prints abstract sockets) to the socket address."""
    return "\0" + value[1:] if value.startswith("@") else value


def _same_user(writer: asyncio.StreamWriter) -> bool:
    sock = writer.get_extra_info("socket")
    if sock is None:
        return False
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


async def _serve_peer(worker: Worker, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    if not _same_user(writer):
        writer.close()
        return
    try:
        while line := await reader.readline():
            message = orjson.loads(line)
            if "h" in message:
                tenant_id, event, context, rows, status, data = message["h"]
                worker.hand_off(tenant_id, event, context, [tuple(row) for row in rows], status, data)
            else:
                worker.wake()
            writer.write(b"\n")
    except (ConnectionError, orjson.JSONDecodeError, ValueError, TypeError):
        pass  # a broken peer: its rows are still in the outbox for the claim loop
    finally:
        writer.close()


async def run(address: str) -> None:
    settings = dataclasses.replace(load_settings(), database_pool_size=POOL_SIZE)
    db = settings.database()
    worker = Worker(db, SecretBox(settings.secret_key, settings.old_secret_keys))
    worker.start()
    server = await asyncio.start_unix_server(lambda r, w: _serve_peer(worker, r, w), path=address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    parent = os.getppid()
    while not stop.is_set():  # PDEATHSIG is Linux's; elsewhere the parent is watched
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        if os.getppid() != parent:  # the server died without a signal reaching us
            break
    server.close()
    try:  # hand the rows it holds back to the outbox; never hang on the way out
        await asyncio.wait_for(_shutdown(worker, db), SHUTDOWN_S)
    except Exception as exc:  # noqa: BLE001  (the database may be gone: the rows become orphans)
        log.warning("webhook deliverer: unclean shutdown (%s)", type(exc).__name__)
    os._exit(0)  # asyncio.run would wait for whatever is still stuck


async def _shutdown(worker: Worker, db: Database) -> None:
    await worker.stop()
    await db.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logsafe.install()
    address, parent = os.environ.get(ENV), os.environ.get(PARENT_ENV, "")
    if not address or not parent.isdigit():
        sys.exit(f"{ENV} is not set: the deliverer is started by `authkeep serve`")
    _die_with_parent(int(parent))
    asyncio.run(run(socket_address(address)))


class Remote:
    """What an HTTP worker holds in place of an in-process Worker: hands rows to the deliverer,
    which acknowledges each line. Hand-offs not acknowledged when the connection drops get their
    answer written to their rows instead, for the deliverer's claim loop."""

    def __init__(self, address: str, db: Database) -> None:
        self.address = socket_address(address)
        self.db = db
        self._writer: asyncio.StreamWriter | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._unacked: collections.deque[tuple[list[int], int, Any] | None] = collections.deque()
        self._tasks: set[asyncio.Task[None]] = set()

    async def connect(self) -> None:
        # Connected here, not by the loop: uvloop (libuv) cannot name an abstract socket.
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.address)  # local: at once or never
            sock.setblocking(False)
            reader, writer = await asyncio.open_unix_connection(sock=sock)
        except OSError:
            sock.close()
            return
        self._writer = writer
        self._spawn(self._read_acks(reader, writer))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_acks(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while await reader.readline():
                self._unacked.popleft()
        if self._writer is writer:
            self._writer = None
        writer.close()
        lost = [item for item in self._unacked if item is not None]
        self._unacked.clear()
        if lost:
            await self._write_answers(lost)

    async def _write_answers(self, lost: list[tuple[list[int], int, Any]]) -> None:
        async with self.db.write() as conn:
            for ids, status, data in lost:
                await store.finish_outbox(conn, ids, status, data, now_ms())

    def _send(self, message: dict[str, Any], item: tuple[list[int], int, Any] | None) -> bool:
        writer = self._writer
        if writer is None or writer.is_closing():
            if self._connecting is None or self._connecting.done():
                self._connecting = asyncio.get_running_loop().create_task(self.connect())
            return False
        self._unacked.append(item)
        writer.write(orjson.dumps(message) + b"\n")
        return True

    def hand_off(
        self, tenant_id: str, event: str, context: dict[str, Any], rows: list[tuple[int, str]], status: int, data: Any
    ) -> bool:
        item = ([outbox_id for outbox_id, _ in rows], status, data)
        return self._send({"h": [tenant_id, event, context, rows, status, data]}, item)

    def wake(self) -> None:
        self._send({"w": 1}, None)  # unsent: the deliverer polls the outbox every worker.POLL_S anyway

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


if __name__ == "__main__":
    main()
