"""Engine creation and the two ways in: `read()` and `write()` (one transaction, all or nothing)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.expression import Executable

from authkeep.store import changes, events, regexp

log = logging.getLogger("authkeep.db")
# Commits made while serving the current request: the route contract retries a handler only before its first.
commits: ContextVar[int] = ContextVar("authkeep_commits", default=0)
# Whether this request has already run the change-feed barrier (`Database.settle_request`).
_settled: ContextVar[bool | None] = ContextVar("authkeep_settled", default=None)
Subscriber = Callable[[Sequence[events.Event]], None]
BeforeCommit = Callable[[AsyncConnection, events.Collector], Awaitable[None]]



def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_conn: Any, record: Any) -> None:
        # Let SQLAlchemy own transaction boundaries so writes can BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()
        raw = dbapi_conn.driver_connection
        inner = getattr(raw, "_conn", None)
        if inner is not None:  # aiosqlite wraps sqlite3.Connection
            budget = record.info[regexp.INFO_KEY] = regexp.Budget()
            inner.create_function("regexp", 2, lambda p, v: regexp.search(budget, p, v), deterministic=True)
            inner.create_function("regexp_i", 2, lambda p, v: regexp.search(budget, p, v, True), deterministic=True)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _statement(conn: Connection, *_args: Any) -> None:
        budget = conn.info.get(regexp.INFO_KEY)
        if budget is not None:
            budget.reset()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


# JSON columns are read with orjson, as the request bodies they came from were: a number beyond
# 64 bits is a double, as in JavaScript. (jsonb keeps 1.113091430936382e+25 as the numeric
# 11130914309363820000000000; the stdlib json module read that back as an int orjson cannot write.)
JSON_CODEC: dict[str, Any] = {"json_deserializer": orjson.loads}


DEFAULT_POOL_SIZE = 8
MIN_POOL_SIZE = 6
CONNECT_TIMEOUT = 5.0  # seconds to open a connection: a dead host answers 503 instead of hanging
POOL_TIMEOUT = 10.0  # seconds to wait for a free pooled connection before answering 503


@dataclass(frozen=True)
class PoolBudget:
    """Every PostgreSQL connection one process may hold (AUTHKEEP_DATABASE_POOL_SIZE), split once.
    The parts are hard maxima that add up to `total`, so the process never opens more."""

    total: int
    listen: int  # the change feed's LISTEN connection (store/changes.Listener)
    notify: int  # the change feed's NOTIFY connection (store/changes.Announcer)
    engine: int  # SQLAlchemy's pool: every transaction and most reads
    reads: int  # the raw asyncpg pool of `Database.fetch` (hot reads)
    writes: int  # the raw asyncpg pool of `Database.fetch_write` (one-statement writes)

    @classmethod
    def split(cls, total: int) -> PoolBudget:
        total = max(total, MIN_POOL_SIZE)
        shared = total - 2
        reads, writes = max(1, shared // 3), 1
        return cls(total, 1, 1, shared - reads - writes, reads, writes)


def create_engine(url: str, budget: PoolBudget | None = None) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True, **JSON_CODEC)
        _install_sqlite_hooks(engine)
        return engine
    budget = budget or PoolBudget.split(DEFAULT_POOL_SIZE)
    return create_async_engine(
        url,
        **JSON_CODEC,
        hide_parameters=True,  # bound values never reach an exception message or a log
        pool_size=budget.engine,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT,
        pool_pre_ping=False,
        connect_args={"timeout": CONNECT_TIMEOUT, "server_settings": {"jit": "off", **changes.APP_SETTING}},
    )


async def _init_raw(conn: Any) -> None:
    """jsonb as Python values, decoded by orjson like the engine's JSON columns (JSON_CODEC)."""
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads
    )


async def _no_reset(_conn: Any) -> None:
    """The raw pools only run single statements (reads; `fetch_write`'s autocommit writes), so
    no session state needs resetting (saves a round trip per request)."""


def _before_cursor_execute(conn: Connection, _cursor: Any, sql: str, _params: Any, context: Any, _many: bool) -> None:
    compiled = getattr(context, "compiled", None)
    events.record(conn, sql, compiled.statement if compiled is not None else None)


# Statements `fetch` keeps compiled: the module-level ones and those cached per search shape.
MAX_PREPARED = 2048


class _Prepared:
    """A prebuilt statement compiled once to the driver's SQL, for `Database.fetch`."""

    def __init__(self, stmt: Executable, dialect: Any) -> None:
        self.stmt = stmt
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        self.order = list(compiled.positiontup or [])
        # Values SQLAlchemy bound itself (e.g. the 0 in coalesce(x, 0)); the rest come per call.
        self.fixed = {name: bp.value for name, bp in compiled.binds.items() if not bp.required}


class Database:
    """Thin wrapper so callers pick read or write intent and never manage transactions by hand."""

    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE, listen_url: str | None = None) -> None:
        self.url = url
        self.budget = PoolBudget.split(pool_size)
        self.engine = create_engine(url, self.budget)
        # LISTEN needs a direct connection (not PgBouncer in transaction mode): it may have its own URL.
        self.listen_url = make_url(listen_url) if listen_url else self.engine.url
        self.is_sqlite = url.startswith("sqlite")
        self.dialect = "sqlite" if self.is_sqlite else "postgresql"
        # Reads need no BEGIN/ROLLBACK round trips on PostgreSQL: each statement sees committed data.
        self._read_engine = self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # Per-family counters, bumped after every write in this process and, through `changes`,
        # in every other process on the same PostgreSQL; `_all` is bumped when what changed is
        # unknown. Caches compare `token(families)` to stay coherent.
        self._generations: dict[str, int] = {}
        self._all = 0
        self._subscribers: list[Subscriber] = []
        # Run at the end of every write() transaction, inside it (the webhook outbox: hooks/capture).
        self.before_commit: list[BeforeCommit] = []
        self.origin = changes.new_origin()
        self._announcer = None if self.is_sqlite else changes.Announcer(self.engine.url, self.origin)
        self._listener: changes.Listener | None = None
        self._table_versions: dict[str, int] = {}
        event.listen(self.engine.sync_engine, "before_cursor_execute", _before_cursor_execute)
        self._sqlite_version: tuple[sqlite3.Connection, int] | None = None
        self._prepared: dict[int, _Prepared] = {}
        self._pool: Any = None
        self._write_pool: Any = None
        self._pool_lock = asyncio.Lock()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """For reads only. Several statements here are not one snapshot on PostgreSQL."""
        async with self._read_engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction. The tables its statements change, and the events code `emit`s, are
        published after commit: caches here at once, other processes before this returns."""
        collector: events.Collector | None = None
        try:
            async with self.engine.connect() as conn:
                if self.is_sqlite:
                    conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
                collector = events.start(conn)
                try:
                    async with conn.begin():
                        yield conn
                        for hook in self.before_commit:
                            await hook(conn, collector)
                finally:
                    events.stop(conn)
        except BaseException:
            if collector is not None and collector.families:
                self.changed(collector.families)  # the commit may have happened: drop, never announce
            raise
        commits.set(commits.get() + 1)
        await self._published(collector.families if collector else set(), collector.events if collector else [])

    async def _published(self, families: Iterable[str], found: Sequence[events.Event]) -> None:
        touched = events.touch(families)
        if touched:
            self.changed(touched)
        for subscriber in self._subscribers if found else ():
            try:
                subscriber(found)
            except Exception as exc:  # noqa: BLE001 - a subscriber must not fail a committed write
                log.error("event subscriber failed: %s", type(exc).__name__)  # no values: they may be secrets
        if touched and self._announcer is not None:
            await self._announcer.announce(touched)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber(events)` after each committed `write()` (in this process, in order)."""
        self._subscribers.append(subscriber)

    def changed(self, families: Iterable[str] | None = None) -> None:
        """Data of these families (None or `events.ALL`: of any family) changed."""
        touched = events.ALL if families is None else events.touch(families)
        if touched is events.ALL:
            self._all += 1
            return
        for family in touched:
            self._generations[family] = self._generations.get(family, 0) + 1

    def token(self, families: Collection[str]) -> int:
        """Changes whenever any of `families` (or everything) changed: counters only grow.
        No families named: what is read is unknown, so any change counts."""
        gens = self._generations
        if not families:
            return self._all + sum(gens.values())
        return self._all + sum(gens.get(f, 0) for f in families)

    def observe(self) -> bool:
        """SQLite: note what any connection, in any process, committed since the last look.
        `PRAGMA data_version` (~7 µs) says whether anything did; migration 0007's triggers count
        changes per table, which says what. False if that cannot be read. PostgreSQL pushes
        changes instead (`changes`)."""
        if not self.is_sqlite:
            return True
        try:
            if self._sqlite_version is None:
                conn = sqlite3.connect(self.engine.url.database or ":memory:", check_same_thread=False)
                self._sqlite_version = (conn, -1)
            conn, seen = self._sqlite_version
            (version,) = conn.execute("PRAGMA data_version").fetchone()
            if version == seen:
                return True
            rows = dict(conn.execute("SELECT name, version FROM authkeep_table_versions").fetchall())
        except sqlite3.Error:
            if self._sqlite_version is not None:
                self._sqlite_version[0].close()
            self._sqlite_version = None
            self.changed()
            return False
        self._sqlite_version = (conn, version)
        moved = [name for name, n in rows.items() if self._table_versions.get(name) != n]
        self._table_versions = rows
        families: set[str] = set()
        for name in moved:
            families |= events.table_families(name)
        self.changed(families or None)  # nothing counted (a table without triggers): everything
        return True

    async def settle(self) -> bool:
        """Bring the counters up to every write committed before this call, in any process.
        False when that cannot be known (the PostgreSQL change feed is down): trust no cache."""
        if self.is_sqlite:
            return self.observe()
        return self._listener is not None and await self._listener.barrier()

    async def settle_request(self) -> bool:
        """`settle()` once per request (task): everything committed before the request's first
        call is seen, and this process's own writes are counted as they commit."""
        done = _settled.get()
        if done is None:
            done = await self.settle()
            _settled.set(done)
        return done

    def start_listening(self) -> None:
        """Servers on PostgreSQL follow other processes' writes (see `store.changes`)."""
        if not self.is_sqlite and self._listener is None:
            self._listener = changes.Listener(self.listen_url, self.origin, self.changed)
            self._listener.start()

    async def wait_listening(self, timeout: float) -> bool:
        return self._listener is not None and await self._listener.wait_connected(timeout)

    async def fetch(self, stmt: Executable, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a prebuilt, read-only statement on the hot path.

        SQLAlchemy's async execution costs ~0.3-0.5 ms of CPU per statement; on PostgreSQL this
        sends the SQL that SQLAlchemy compiled once straight through a plain asyncpg pool
        (~0.06 ms). Only for module-level statements whose parameters are all bindparams.
        """
        if self.is_sqlite:
            async with self.read() as conn:
                return [dict(r._mapping) for r in await conn.execute(stmt, params)]
        prepared = self._prepared.get(id(stmt))
        if prepared is None or prepared.stmt is not stmt:  # (an id can be reused once a statement is freed)
            if len(self._prepared) >= MAX_PREPARED:
                self._prepared.clear()
            prepared = self._prepared[id(stmt)] = _Prepared(stmt, self.engine.dialect)
        pool = self._pool or await self._open_pool()
        args = [params[name] if name in params else prepared.fixed[name] for name in prepared.order]
        try:
            found = await pool.fetch(prepared.sql, *args)
        except Exception as exc:
            import asyncpg

            if isinstance(exc, asyncpg.PostgresError):  # as SQLAlchemy reports it (dberrors, search errors)
                raise DBAPIError(prepared.sql, None, exc, hide_parameters=True) from exc
            raise
        return [dict(r) for r in found]

    async def fetch_write(self, sql: str, args: list[Any], families: Iterable[str]) -> list[Any]:
        """One autocommit statement (its own transaction); PostgreSQL only. For hot writes that
        fit in one statement of a fixed shape; it publishes `families` (the tables it writes
        cannot be read from raw SQL) as `write()` would. Its pool plans generically: re-planning
        the wide multi-CTE user insert on every call cost ~0.6 ms of the ~1.4 ms it took."""
        if self._write_pool is None:
            async with self._pool_lock:
                if self._write_pool is None:
                    self._write_pool = await self._create_pool(
                        {"plan_cache_mode": "force_generic_plan"}, self.budget.writes
                    )
        try:
            found = await self._write_pool.fetch(sql, *args)
        except BaseException:
            self.changed(families)
            raise
        commits.set(commits.get() + 1)
        await self._published(families, [])
        return found

    async def _open_pool(self) -> Any:
        async with self._pool_lock:
            if self._pool is None:
                self._pool = await self._create_pool({}, self.budget.reads)
        return self._pool

    async def _create_pool(self, settings: dict[str, str], size: int) -> Any:
        import asyncpg

        url = self.engine.url
        return await asyncpg.create_pool(
            host=url.host, port=url.port or 5432, user=url.username, password=url.password,
            database=url.database, min_size=0, max_size=size, timeout=CONNECT_TIMEOUT,
            server_settings={"jit": "off", **changes.APP_SETTING, **settings},
            init=_init_raw,
            reset=_no_reset,
        )

    def pool_stats(self) -> dict[str, tuple[int, int, int]]:
        """(in use, idle, maximum) connections per pool of this process, read without waiting
        (for /metrics). Pools not opened yet are absent."""
        stats: dict[str, tuple[int, int, int]] = {}
        pool: Any = self.engine.pool
        if hasattr(pool, "checkedout"):
            overflow = max(getattr(pool, "_max_overflow", 0), 0)
            stats["engine"] = (pool.checkedout(), pool.checkedin(), pool.size() + overflow)
        for name, raw in (("reads", self._pool), ("writes", self._write_pool)):
            if raw is not None:
                idle = raw.get_idle_size()
                stats[name] = (raw.get_size() - idle, idle, raw.get_max_size())
        return stats

    async def dispose(self) -> None:
        if self._write_pool is not None:
            await self._write_pool.close()
        if self._listener is not None:
            await self._listener.close()
        if self._announcer is not None:
            await self._announcer.close()
        if self._sqlite_version is not None:
            self._sqlite_version[0].close()
        if self._pool is not None:
            await self._pool.close()
        await self.engine.dispose()
