"""Map database errors that slip past domain checks (races, limits) to Logto's error codes, and a
database that refuses or lost connections to 503 + Retry-After (never a 500)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from authkeep.errors import LogtoError

RETRY_AFTER_SECONDS = 2
# Connection exceptions (08), too many connections (53300, class 53 = insufficient resources),
# terminated or starting/stopping server (57P01..57P03).
_UNAVAILABLE_STATES = ("08", "53", "57P01", "57P02", "57P03")
_UNAVAILABLE_TEXT = (
    "not currently accepting connections",  # ALTER DATABASE ... ALLOW_CONNECTIONS false (55000)
    "connection is closed",  # asyncpg InterfaceError on a connection the server dropped
    "connection was closed in the middle of operation",
    "database is locked",  # SQLite busy beyond busy_timeout
)
_DRIVERS = {"asyncpg", "sqlite3", "aiosqlite", "sqlalchemy"}  # whose messages are read (never ours)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what SQLAlchemy wrapped (`orig`) and their causes, a few levels deep."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < 8:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(
            e for e in (getattr(current, "orig", None), current.__cause__)
            if isinstance(e, BaseException)
        )


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in _chain(exc):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return None


def is_unavailable(exc: BaseException) -> bool:
    """The database refused a connection, dropped one, or none was free in time."""
    for e in _chain(exc):
        if isinstance(e, (OSError, PoolTimeout)):  # refused, reset, timed out (TimeoutError is an OSError)
            return True
        if isinstance(e, StatementError):  # its text holds the SQL and bound values: read `orig` instead
            if isinstance(e, DBAPIError) and e.connection_invalidated:
                return True
            continue
        state = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if state and str(state).startswith(_UNAVAILABLE_STATES):
            return True
        if type(e).__module__.split(".")[0] in _DRIVERS and any(t in str(e).lower() for t in _UNAVAILABLE_TEXT):
            return True
    return False


def unavailable() -> LogtoError:
    return LogtoError(
        "request.database_unavailable", 503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


_UDF = "user-defined function raised exception"


def map_db_error(exc: BaseException) -> LogtoError | None:
    """A Logto error for a database failure, or None when it is a real bug (a 500)."""
    if is_unavailable(exc):
        return unavailable()
    if not isinstance(exc, DBAPIError):
        return None
    state = _sqlstate(exc)
    text = str(exc.orig).lower()
    if state == "23505" or "unique constraint failed" in text:
        return LogtoError("entity.unique_integrity_violation", 422)
    if state == "23503" or "foreign key constraint failed" in text:
        return LogtoError("entity.relation_foreign_key_not_found", 404)
    if state == "23514" or "check constraint failed" in text:
        return LogtoError("entity.db_constraint_violated", 422)
    if state == "22001":
        return LogtoError("entity.value_too_long", 422)
    # SQLite: the only user-defined functions are REGEXP's (store/regexp.py); they raise on a bad
    # pattern or when the pattern spent its time budget.
    if state in {"2201B", "2201C"} or "invalid regular expression" in text or _UDF in text:
        return LogtoError("request.invalid_input", 400, message="Input is invalid. Invalid regular expression.")
    if state in {"22021", "22P05", "22P02", "22003", "22004"}:
        return LogtoError("guard.invalid_input", 400, type="body")
    return None


def exception_types() -> tuple[type[BaseException], ...]:
    """What the app routes to `map_db_error` (plus OSError and the pool timeout for lost databases)."""
    import asyncpg

    return (DBAPIError, PoolTimeout, OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
