"""Creating a user on PostgreSQL in one statement: the hot path of bulk provisioning.

The general path (`users.creation_checks` + `users.insert_user` inside `Database.write()`) costs
BEGIN, a conflict query, INSERT and COMMIT through SQLAlchemy. Here one autocommit statement
checks the identifiers, inserts and counts the user, so a create is one round trip plus the change
notification.
Whatever is unusual (default roles to grant, a concurrent create taking the same identifier,
any database error) answers None and the caller takes the general path: the statement either
inserted the user or wrote nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql

from authkeep.store import tables as T
from authkeep.store.db import Database
from authkeep.store.user_counts import INLINE, inline_counts
from authkeep.store.users import taken_fields

_COLUMNS = [c.name for c in T.users.c]
# Casts without a length: an explicit ::varchar(128) would truncate where the column must refuse.
_CASTS = [c.type.compile(dialect=postgresql.dialect()).split("(")[0] for c in T.users.c]
_FIRST = 5  # $1 tenant, $2 username, $3 e-mail, $4 phone variants
_SQL = f"""
WITH inline AS (
  -- this statement counts its user itself (below); the count trigger skips it (migration 0006)
  SELECT set_config('{INLINE}', 'inline', true)
), taken AS (
  SELECT username, primary_email, primary_phone FROM users
  WHERE tenant_id = $1
    AND (username = $2::varchar OR lower(primary_email) = lower($3::varchar) OR primary_phone = ANY($4::varchar[]))
), defaults AS (
  SELECT 1 FROM roles WHERE tenant_id = $1 AND is_default AND type = 'User' LIMIT 1
), created AS (
  INSERT INTO users ({", ".join(_COLUMNS)})
  SELECT {", ".join(f"${_FIRST + i}::{cast}" for i, cast in enumerate(_CASTS))} FROM inline
  WHERE NOT EXISTS (SELECT 1 FROM taken) AND NOT EXISTS (SELECT 1 FROM defaults)
  RETURNING *
), {inline_counts("created")}
SELECT (SELECT array_agg(ARRAY[username, primary_email, primary_phone]) FROM taken) AS taken_by,
       EXISTS (SELECT 1 FROM defaults) AS has_defaults, created.*
FROM (SELECT 1) AS one LEFT JOIN created ON true
"""


async def create(
    db: Database, row: dict[str, Any], *, username: str | None, email: str | None, phones: Sequence[str]
) -> dict[str, Any] | set[str] | None:
    """The new user's row; or the identifiers other users hold (nothing written); or None."""
    args = [row["tenant_id"], username, email, list(phones), *(row.get(name) for name in _COLUMNS)]
    try:
        found = await db.fetch_write(_SQL, args)
    except asyncpg.PostgresError:
        return None
    if found["taken_by"]:
        return taken_fields([tuple(t) for t in found["taken_by"]], username, email, phones) or None
    if found["has_defaults"] or found["id"] is None:
        return None
    return {name: found[name] for name in _COLUMNS}
