"""Runs tenant-authored JavaScript (JWT customizer and action scripts) outside the server process.

A few long-lived `node` worker processes (started lazily, at most `SIZE`), each running one script
at a time in a fresh `vm` context (worker.js). Each is launched with Node's permission model and no
allow flags (no fs, child_process, worker threads or addons), an empty environment, a capped V8
heap and OS rlimits (data segment, file size, open files, no core dumps). The host enforces the wall
clock: a run that overruns is answered `timeout` and its process killed and replaced; a process that
dies (out of memory) is replaced too. Framing on stdin/stdout: 4-byte big-endian length + JSON.
docs/security.md, "Scripts".
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import itertools
import os
import resource
import shutil
import struct
from pathlib import Path
from typing import Any

import orjson

_WORKER = (Path(__file__).with_name("worker.js")).read_text()
SIZE = int(os.environ.get("AUTHKEEP_SCRIPT_WORKERS", "2"))
TIMEOUT_MS = int(os.environ.get("AUTHKEEP_SCRIPT_TIMEOUT_MS", "5000"))
MEMORY_MB = int(os.environ.get("AUTHKEEP_SCRIPT_MEMORY_MB", "128"))
_GRACE_S = 0.5  # beyond the wall clock, for the worker's own timeout report
_RUNS_PER_WORKER = 1000  # then the process is replaced (nothing accumulates)
_MAX_FRAME = 16 * 1024 * 1024
_ids = itertools.count(1)

Result = dict[str, Any]  # {"ok": True, "value"?} | {"ok": False, "kind", "message"?, ...}


def node_path() -> str | None:
    found = os.environ.get("AUTHKEEP_NODE") or shutil.which("node") or "/usr/bin/node"
    return found if os.access(found, os.X_OK) else None


def _limits(memory_mb: int) -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):  # Linux: the worker dies with the server
        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    data = (memory_mb * 4 + 256) * 1024 * 1024  # heap + off-heap buffers + code; not wasm reservations
    resource.setrlimit(resource.RLIMIT_DATA, (data, data))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.runs = 0
        self.killed = False

    @classmethod
    async def start(cls, node: str, memory_mb: int) -> _Worker:
        proc = await asyncio.create_subprocess_exec(
            node, "--experimental-permission", f"--max-old-space-size={memory_mb}", "--disallow-code-generation-from-strings",
            "-e", _WORKER,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={}, cwd="/", start_new_session=True, preexec_fn=lambda: _limits(memory_mb),
        )  # fmt: skip
        worker = cls(proc)
        try:
            ready = await asyncio.wait_for(worker._read(), 10)
        except BaseException:
            worker.kill()
            raise
        if ready.get("ready") is not True:
            worker.kill()
            raise OSError("the script worker did not start")
        return worker

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None and not self.killed

    async def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        head = await self.proc.stdout.readexactly(4)
        (size,) = struct.unpack(">I", head)
        if size > _MAX_FRAME:
            raise OSError("frame too large")
        data = orjson.loads(await self.proc.stdout.readexactly(size))
        if not isinstance(data, dict):
            raise OSError("bad frame")
        return data

    async def run(self, request: dict[str, Any], wall_s: float) -> Result:
        assert self.proc.stdin is not None
        self.runs += 1
        frame = orjson.dumps(request)
        self.proc.stdin.write(struct.pack(">I", len(frame)) + frame)
        await self.proc.stdin.drain()
        reply = await asyncio.wait_for(self._read(), wall_s)
        result = reply.get("result")
        if reply.get("id") != request["id"] or not isinstance(result, dict):
            raise OSError("mismatched reply")
        return result

    async def crash_kind(self) -> str:
        """After an unexpected exit: `oom` when V8 says it ran out of heap."""
        tail = b""
        if self.proc.stderr is not None:
            with contextlib.suppress(Exception):
                tail = await asyncio.wait_for(self.proc.stderr.read(65536), 1)
        text = tail.decode(errors="replace")
        return "oom" if "heap" in text.lower() or "memory" in text.lower() else "runtime"

    def kill(self) -> None:
        if self.alive:
            self.killed = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, 9)


class Sandbox:
    """A pool of worker processes; `run` never raises for anything a script does."""

    def __init__(self, size: int = SIZE, timeout_ms: int = TIMEOUT_MS, memory_mb: int = MEMORY_MB) -> None:
        self.size = max(1, size)
        self.timeout_ms = timeout_ms
        self.memory_mb = memory_mb
        self._idle: list[_Worker] = []
        self._count = 0
        self._free: asyncio.Condition | None = None

    async def _acquire(self) -> _Worker:
        if self._free is None:
            self._free = asyncio.Condition()
        async with self._free:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive:
                        return worker
                    self._count -= 1
                if self._count < self.size:
                    self._count += 1
                    break
                await self._free.wait()
        node = node_path()
        try:
            if node is None:
                raise OSError("node is not installed")
            return await _Worker.start(node, self.memory_mb)
        except BaseException:
            await self._release(None)
            raise

    async def _release(self, worker: _Worker | None) -> None:
        assert self._free is not None
        async with self._free:
            if worker is not None and worker.alive and worker.runs < _RUNS_PER_WORKER:
                self._idle.append(worker)
            else:
                if worker is not None:
                    worker.kill()
                self._count -= 1
            self._free.notify()

    async def run(self, script: str, entry: str, payload: dict[str, Any], *, with_api: bool = False) -> Result:
        try:
            worker = await self._acquire()
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            return {"ok": False, "kind": "unavailable", "message": "The script runner is unavailable."}
        request = {
            "id": next(_ids), "script": script, "entry": entry, "payload": payload,
            "timeoutMs": self.timeout_ms, "withApi": with_api,
        }  # fmt: skip
        try:
            return await worker.run(request, self.timeout_ms / 1000 + _GRACE_S)
        except TimeoutError:
            worker.kill()
            return {"ok": False, "kind": "timeout"}
        except (OSError, asyncio.IncompleteReadError, ValueError):
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(worker.proc.wait(), 1)
            worker.kill()
            return {"ok": False, "kind": await worker.crash_kind()}
        except BaseException:  # cancelled mid-run: the worker's state is unknown
            worker.kill()
            raise
        finally:
            await self._release(worker)


_shared: Sandbox | None = None


def shared() -> Sandbox:
    """The process's sandbox (workers start on first use, so a tenant without scripts pays nothing)."""
    global _shared
    if _shared is None:
        _shared = Sandbox()
    return _shared
