"""The work of `authkeep users import FILE` and `authkeep users export` (docs/bulk-users.md).

Import reads JSONL or CSV (one POST /api/users body per line, digests in Logto's
`passwordDigest`/`passwordAlgorithm` form, plus `id` and `createdAt` as export writes them) and
creates users in batches, one transaction each. After every committed batch the number of the
last line it covered goes to a progress file, so an interrupted run started again carries on
after it; lines whose user is already there (a batch committed just before the interruption, or
a second run) are counted as skipped, not failed. Each bad line is reported with its number,
code and message, and the run goes on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from tqdm import tqdm

from authkeep.api.users.bulk import error_wire, parse_item
from authkeep.config import Settings
from authkeep.domain import users_bulk
from authkeep.errors import LogtoError
from authkeep.store import users_bulk as store

FIELDS = ["id", "username", "primaryEmail", "primaryPhone", "name", "avatar", "customData", "profile", "createdAt"]
HASH_FIELDS = ["passwordDigest", "passwordAlgorithm"]
_JSON_CELLS = {"customData", "profile"}
BAR = {"file": sys.stderr, "ascii": True, "mininterval": 0.5, "dynamic_ncols": False, "ncols": 80}


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.users_command == "export":
        out: IO[str] = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout  # noqa: SIM115
        try:
            return asyncio.run(export(settings, args, out))
        finally:
            if out is not sys.stdout:
                out.close()
    state = _Progress.load(args)
    if state is None:
        return 2
    errors = open(args.errors, "a", encoding="utf-8") if args.errors else None  # noqa: SIM115
    try:
        code = asyncio.run(import_file(settings, args, state, errors))
    except KeyboardInterrupt:  # a second Ctrl-C: the batch in flight rolls back
        code = 130
    finally:
        if errors is not None:
            errors.close()
    if code == 130:
        print(f"\nauthkeep: interrupted; lines up to {state.line} are done (progress in {state.path}). "
              "Run the same command again to resume.", file=sys.stderr)  # fmt: skip
    return code


# --- import ------------------------------------------------------------------------------------


@dataclass
class _Progress:
    path: Path
    source: str
    line: int = 0  # every line up to this one is committed, skipped or reported
    created: int = 0
    skipped: int = 0
    failed: int = 0
    done: bool = False
    resumed_from: int = 0

    @classmethod
    def load(cls, args: argparse.Namespace) -> _Progress | None:
        source = str(args.file.resolve())
        path = args.progress_file or args.file.with_name(args.file.name + ".progress")
        if not args.file.is_file():
            print(f"authkeep: {args.file}: no such file", file=sys.stderr)
            return None
        if args.restart or not path.exists():
            return cls(path, source)
        try:
            saved = orjson.loads(path.read_bytes())
            state = cls(path, source, int(saved["line"]), int(saved["created"]), int(saved["skipped"]),
                        int(saved["failed"]), bool(saved.get("done")))  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            print(f"authkeep: cannot read {path}; use --restart to start over", file=sys.stderr)
            return None
        if saved.get("file") != source:
            print(f"authkeep: {path} belongs to {saved.get('file')}; use --restart or --progress-file", file=sys.stderr)
            return None
        state.resumed_from = state.line
        return state

    def save(self) -> None:
        data = {"file": self.source, "line": self.line, "created": self.created, "skipped": self.skipped,
                "failed": self.failed, "done": self.done}  # fmt: skip
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as out:
            out.write(orjson.dumps(data))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)


def _records(path: Path, fmt: str, skip: int) -> Iterator[tuple[int, Any]]:
    """(line number, raw object or LogtoError) for each record after line `skip`."""
    if fmt == "jsonl":
        with open(path, "rb") as src:
            for number, line in enumerate(src, 1):
                if number <= skip or not line.strip():
                    continue
                try:
                    yield number, orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    yield number, LogtoError("guard.invalid_input", 400, message=f"Invalid JSON: {exc}")
        return
    with open(path, newline="", encoding="utf-8-sig") as text:
        reader = csv.DictReader(text)
        start = 2
        for row in reader:
            number, start = start, reader.line_num + 1
            if number <= skip:
                continue
            yield number, _csv_object(row)


def _csv_object(row: dict[str | None, Any]) -> Any:
    """A CSV record as a create body: empty cells are absent; JSON cells and `createdAt` parsed."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None or value == "":
            if key is None:  # more cells than headers
                return LogtoError("guard.invalid_input", 400, message="More cells than columns in the header.")
            continue
        if key in _JSON_CELLS:
            try:
                out[key] = orjson.loads(value)
            except orjson.JSONDecodeError:
                return LogtoError("guard.invalid_input", 400, message=f"Column {key} is not JSON.")
        elif key == "createdAt":
            out[key] = int(value) if value.isdigit() else value
        else:
            out[key] = value
    return out


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as src:
        while chunk := src.read(1 << 20):
            count += chunk.count(b"\n")
    return count


@dataclass
class _Report:
    bar: Any
    errors: IO[str] | None
    state: _Progress
    stats: users_bulk.Statistics

    def flush(self, failures: list[tuple[int, LogtoError]]) -> None:
        """A batch's failures in line order (parse errors and database answers mixed)."""
        for line, exc in sorted(failures, key=lambda f: f[0]):
            self.state.failed += 1
            wire = error_wire(exc)
            details = f" ({wire['details']})" if "details" in wire else ""
            self.bar.write(f"line {line}: {wire['code']}: {wire['message']}{details}", file=sys.stderr)
            if self.errors is not None:
                self.errors.write(orjson.dumps({"line": line, **wire}).decode() + "\n")
        if self.errors is not None:
            self.errors.flush()


@dataclass
class _Batch:
    items: list[users_bulk.Item] = field(default_factory=list)
    failures: list[tuple[int, LogtoError]] = field(default_factory=list)  # lines refused before the database
    last: int = 0  # the last line the batch covers


async def import_file(settings: Settings, args: argparse.Namespace, state: _Progress, errors: IO[str] | None) -> int:
    fmt = args.format or ("csv" if args.file.suffix.lower() == ".csv" else "jsonl")
    if state.done:
        print(f"authkeep: {args.file} was imported completely ({state.path}); use --restart to import it again",
              file=sys.stderr)  # fmt: skip
        return 0
    size = max(1, min(args.batch_size, 10_000))
    total = max(0, _count_lines(args.file) - (1 if fmt == "csv" else 0))
    done_lines = max(0, state.line - (1 if fmt == "csv" else 0))
    if state.resumed_from:
        print(f"authkeep: resuming {args.file} after line {state.line}", file=sys.stderr)
    db = settings.database()
    bar = tqdm(total=total, initial=done_lines, unit="lines", disable=args.quiet, **BAR)
    report = _Report(bar, errors, state, users_bulk.Statistics(db))
    started, created_before = time.monotonic(), state.created
    # Ctrl-C or SIGTERM: stop after the batch in flight commits (a second Ctrl-C stops at once).
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stopper(loop, sig, stop))
    # The next batch is read and validated while the previous one commits; batches commit in
    # order, so the progress file always names a line before which everything is done.
    committing: asyncio.Task[None] | None = None
    try:
        batch = _Batch(last=state.line)
        for number, raw in _records(args.file, fmt, state.line):
            if stop.is_set():
                if committing is not None:
                    await committing
                return 130
            batch.last = number
            item = raw if isinstance(raw, LogtoError) else _parse(number, raw)
            if isinstance(item, LogtoError):
                batch.failures.append((number, item))
            else:
                batch.items.append(item)
            if len(batch.items) >= size:
                if committing is not None:
                    await committing
                committing = asyncio.create_task(_commit(db, args.tenant, batch, report))
                batch = _Batch(last=number)
            elif committing is not None and number % 64 == 0:
                await asyncio.sleep(0)  # let the commit in flight move on
        if committing is not None:
            await committing
        await _commit(db, args.tenant, batch, report)
        state.done = True
        state.save()
    finally:
        if committing is not None and not committing.done():  # failing: that batch rolls back
            committing.cancel()
            with contextlib.suppress(BaseException):
                await committing
        bar.close()
        await db.dispose()
    elapsed = time.monotonic() - started
    made = state.created - created_before
    print(f"authkeep: {state.created} created, {state.skipped} skipped (already present), {state.failed} failed; "
          f"{made} created in {elapsed:.1f} s ({made / elapsed if elapsed else 0:.0f} users/s)", file=sys.stderr)  # fmt: skip
    return 1 if state.failed else 0


def _stopper(loop: asyncio.AbstractEventLoop, sig: int, stop: asyncio.Event) -> Any:
    def handle() -> None:
        stop.set()
        loop.remove_signal_handler(sig)  # the next one interrupts at once

    return handle


def _parse(number: int, raw: Any) -> users_bulk.Item | LogtoError:
    try:
        return parse_item(number, raw, extended=True)
    except LogtoError as exc:
        return exc


async def _commit(db: Any, tenant_id: str, batch: _Batch, report: _Report) -> None:
    state = report.state
    failures = list(batch.failures)
    if batch.items:
        created = 0
        for result in await users_bulk.create_many(db, tenant_id, batch.items, skip_existing=True):
            if result.error is not None:
                failures.append((result.index, result.error))
            elif result.skipped:
                state.skipped += 1
            else:
                created += 1
        state.created += created
        await report.stats.grew(created)
    report.flush(failures)
    report.bar.update(batch.last - state.line)
    state.line = batch.last
    state.save()


# --- export ------------------------------------------------------------------------------------


def export_record(row: Any, with_hashes: bool) -> dict[str, Any]:
    """A user as `users import` reads it; no plaintext secret exists to export, and no MFA or
    identities are written. Empty fields are left out."""
    m = row._mapping
    record = {
        "id": m["id"], "username": m["username"], "primaryEmail": m["primary_email"],
        "primaryPhone": m["primary_phone"], "name": m["name"], "avatar": m["avatar"],
        "customData": m["custom_data"], "profile": m["profile"], "createdAt": m["created_at"],
    }  # fmt: skip
    if with_hashes and m["password_encrypted"]:
        record["passwordDigest"] = m["password_encrypted"]
        record["passwordAlgorithm"] = m["password_encryption_method"]
    return {k: v for k, v in record.items() if v is not None and v != {}}


async def export(settings: Settings, args: argparse.Namespace, out: IO[str]) -> int:
    db = settings.database()
    written = 0
    try:
        async with db.read() as conn:
            total = await store.count_users(conn, args.tenant)
        bar = tqdm(total=total, unit="users", disable=args.quiet, **BAR)
        columns = FIELDS + (HASH_FIELDS if args.with_password_hashes else [])
        writer = csv.DictWriter(out, columns, extrasaction="ignore") if args.format == "csv" else None
        if writer is not None:
            writer.writeheader()
        after: tuple[int, str] | None = None
        while True:
            async with db.read() as conn:
                page = await store.export_page(conn, args.tenant, after, 1000)
            if not page:
                break
            after = (page[-1].created_at, page[-1].id)
            buffer = io.StringIO()
            for row in page:
                record = export_record(row, args.with_password_hashes)
                if writer is None:
                    buffer.write(orjson.dumps(record).decode() + "\n")
                else:
                    writer.writerow({k: orjson.dumps(v).decode() if k in _JSON_CELLS else v for k, v in record.items()})
            try:
                out.write(buffer.getvalue())
            except BrokenPipeError:  # `| head`: the reader has what it wanted
                sys.stderr.close()
                return 0
            written += len(page)
            bar.update(len(page))
        bar.close()
    finally:
        await db.dispose()
    print(f"authkeep: exported {written} users", file=sys.stderr)
    return 0
