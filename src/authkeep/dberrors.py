"""Map database errors that slip past domain checks (races, limits) to Logto's error codes."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from authkeep.errors import LogtoError


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    for candidate in (orig, getattr(orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return None


def map_db_error(exc: DBAPIError) -> LogtoError | None:
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
    if state in {"2201B", "2201C"} or "invalid regular expression" in text:
        return LogtoError("request.invalid_input", 400, message="Input is invalid. Invalid regular expression.")
    if state in {"22021", "22P05", "22P02", "22003", "22004"}:
        return LogtoError("guard.invalid_input", 400, type="body")
    return None
