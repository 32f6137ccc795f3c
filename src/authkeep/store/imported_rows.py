"""Rows copied in from another deployment (`authkeep import-logto`): which are there already, and
inserting a batch that skips rows whose key or unique value is taken. Each function runs in the
caller's transaction (one per batch)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

_CHUNK = 500  # keys per statement: well under both drivers' bind-parameter limits


def _match(table: Table, columns: Sequence[str], keys: Sequence[tuple[Any, ...]]) -> Any:
    if len(columns) == 1:
        return table.c[columns[0]].in_([k[0] for k in keys])
    return tuple_(*(table.c[c] for c in columns)).in_(list(keys))


async def present(
    conn: AsyncConnection, table: Table, tenant_id: str, columns: Sequence[str], keys: Sequence[tuple[Any, ...]]
) -> set[tuple[Any, ...]]:
    """The keys (values of `columns`) that rows of the tenant already hold."""
    found: set[tuple[Any, ...]] = set()
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), _CHUNK):
        part = wanted[start : start + _CHUNK]
        stmt = select(*(table.c[c] for c in columns)).where(table.c.tenant_id == tenant_id, _match(table, columns, part))
        found.update(tuple(r) for r in await conn.execute(stmt))
    return found


async def holders(
    conn: AsyncConnection, table: Table, tenant_id: str, columns: Sequence[str], keys: Sequence[tuple[Any, ...]]
) -> dict[tuple[Any, ...], Row[Any]]:
    """The tenant's row holding each of these unique values (values of `columns`)."""
    out: dict[tuple[Any, ...], Row[Any]] = {}
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), _CHUNK):
        part = wanted[start : start + _CHUNK]
        stmt = select(table).where(table.c.tenant_id == tenant_id, _match(table, columns, part))
        for row in await conn.execute(stmt):
            out[tuple(row._mapping[c] for c in columns)] = row
    return out


async def insert_new(
    conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]
) -> set[tuple[Any, ...]]:
    """Insert the rows, skipping any whose primary key or unique value is taken; the keys inserted."""
    if not rows:
        return set()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).on_conflict_do_nothing().returning(*(table.c[c] for c in key))
    done: set[tuple[Any, ...]] = set()
    for start in range(0, len(rows), _CHUNK):
        done.update(tuple(r) for r in await conn.execute(stmt, list(rows[start : start + _CHUNK])))
    return done
