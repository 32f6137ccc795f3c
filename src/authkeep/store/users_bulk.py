"""Users in batches: who holds which identifiers, many inserts in one statement, keyset export.

For the bulk import (CLI) and `POST /api/users/bulk` (docs/bulk-users.md). Each function runs in
the caller's transaction (`Database.write()`), one per batch. On PostgreSQL the rows travel as
one array per column (`unnest`), so a batch is one INSERT: the statement-level count trigger
(migration 0002) then updates `user_counts`/`user_buckets` once per batch. SQLite inserts with
executemany; its row-level triggers count each row.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Row, func, select, text, tuple_, union
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock
from authkeep.store import tables as T

U = T.users
COLUMNS = [c.name for c in U.c]
_TYPES = {c.name: c.type.compile(dialect=postgresql.dialect()).split("(")[0] for c in U.c}
_JSON = {name for name, sql_type in _TYPES.items() if sql_type == "JSONB"}
_PG_INSERT = text(
    f"INSERT INTO users ({', '.join(COLUMNS)}) "
    f"SELECT {', '.join(f'{n}::jsonb' if n in _JSON else n for n in COLUMNS)} FROM unnest("
    + ", ".join(f"CAST(:{n} AS {'text' if n in _JSON else _TYPES[n]}[])" for n in COLUMNS)
    + f") AS i({', '.join(COLUMNS)}) ON CONFLICT DO NOTHING RETURNING id"
)
_PG_ROLES = text(
    "INSERT INTO users_roles (tenant_id, id, user_id, role_id) "
    "SELECT :tenant, i.id, i.user_id, i.role_id FROM unnest(CAST(:ids AS varchar[]), "
    "CAST(:users AS varchar[]), CAST(:roles AS varchar[])) AS i(id, user_id, role_id) "
    "ON CONFLICT DO NOTHING"
)


_ALPHABET = (string.digits + string.ascii_lowercase).encode()
_TO_ID = bytes(_ALPHABET[b % 36] if b < 252 else 0 for b in range(256))  # 252 = 7 * 36: no bias
_REJECT = bytes(range(252, 256))


def random_ids(count: int, length: int) -> list[str]:
    """`count` ids like `ids.short_id`/`standard_id` ([0-9a-z], uniform), drawn in one go: the
    per-character `secrets.choice` costs ~100 µs per id, more than the whole insert."""
    need = count * length
    pool = b""
    while len(pool) < need:
        pool += secrets.token_bytes(need - len(pool) + 16).translate(_TO_ID, _REJECT)
    text_ = pool[:need].decode()
    return [text_[i : i + length] for i in range(0, need, length)]


def _pg_holders(username_case_sensitive: bool) -> Any:
    # One btree lookup per value. The planner prefers the trigram GIN index on `username` for
    # equality (its estimate is far too low: ~1 ms a lookup, 100x the btree), and GIN is only
    # ever read through bitmap scans, hence `_NO_BITMAPS` for this transaction.
    match = {
        "id": "u.id = k.v",
        "username": "u.username = k.v" if username_case_sensitive else "lower(u.username) = k.v",
        "email": "lower(u.primary_email) = k.v",
        "phone": "u.primary_phone = k.v",
    }
    return text(
        " UNION ".join(
            f"SELECT u.id, u.username, u.primary_email, u.primary_phone FROM unnest(CAST(:{kind} AS varchar[])) "
            f"AS k(v) JOIN users u ON u.tenant_id = :tenant AND {cond}"
            for kind, cond in match.items()
        )
    )


_NO_BITMAPS = text("SET LOCAL enable_bitmapscan = off")
_PG_HOLDERS = {True: _pg_holders(True), False: _pg_holders(False)}


def new_row(tenant_id: str, values: dict[str, Any], user_id: str | None = None) -> dict[str, Any]:
    """Every column of a new user (the defaults of POST /api/users), `values` on top."""
    now = clock.now_ms()
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        tenant_id=tenant_id, id=user_id or random_ids(1, 12)[0], profile={}, identities={}, custom_data={}, logto_config={},
        mfa_verifications=[], is_suspended=False, is_password_expired=False, created_at=now, updated_at=now,
    )  # fmt: skip
    row.update(values)
    return row


async def holders(
    conn: AsyncConnection,
    tenant_id: str,
    usernames: Sequence[str],
    emails: Sequence[str],
    phones: Sequence[str],
    *,
    ids_: Sequence[str] = (),
    username_case_sensitive: bool = True,
) -> list[Row[Any]]:
    """Users holding any of these ids, usernames, e-mails (any case) or phones (exact forms):
    one index lookup per value (an OR of IN lists lets the planner scan the table instead)."""
    wanted = {
        "id": sorted(set(ids_)),
        "username": sorted(set(usernames) if username_case_sensitive else {u.lower() for u in usernames}),
        "email": sorted({e.lower() for e in emails}),
        "phone": sorted(set(phones)),
    }
    columns = {
        "id": U.c.id,
        "username": U.c.username if username_case_sensitive else func.lower(U.c.username),
        "email": func.lower(U.c.primary_email),
        "phone": U.c.primary_phone,
    }
    if conn.dialect.name == "postgresql":
        params = {"tenant": tenant_id, **wanted}
        await conn.execute(_NO_BITMAPS)
        return list((await conn.execute(_PG_HOLDERS[username_case_sensitive], params)).all())
    selects = [
        select(U.c.id, U.c.username, U.c.primary_email, U.c.primary_phone).where(
            U.c.tenant_id == tenant_id, columns[kind].in_(values)
        )
        for kind, values in wanted.items()
        if values
    ]
    if not selects:
        return []
    query = selects[0] if len(selects) == 1 else union(*selects)
    return list((await conn.execute(query)).all())


async def default_role_ids(conn: AsyncConnection, tenant_id: str) -> list[str]:
    R = T.roles
    query = select(R.c.id).where(R.c.tenant_id == tenant_id, R.c.is_default.is_(True), R.c.type == "User")
    return list((await conn.execute(query)).scalars())


async def insert_many(conn: AsyncConnection, rows: Sequence[dict[str, Any]], role_ids: Sequence[str]) -> set[str]:
    """Insert the rows (complete, from `new_row`) and give each the roles; the ids inserted. On
    PostgreSQL a row that lost a race for an identifier is skipped, not an error."""
    if not rows:
        return set()
    tenant_id = rows[0]["tenant_id"]
    if conn.dialect.name == "postgresql":
        params = {
            name: [orjson.dumps(r[name]).decode() for r in rows] if name in _JSON else [r[name] for r in rows]
            for name in COLUMNS
        }
        inserted = set((await conn.execute(_PG_INSERT, params)).scalars())
    else:
        await conn.execute(U.insert(), list(rows))
        inserted = {r["id"] for r in rows}
    if role_ids and inserted:
        pairs = [(user_id, role_id) for user_id in sorted(inserted) for role_id in role_ids]
        link_ids = random_ids(len(pairs), 21)
        if conn.dialect.name == "postgresql":
            await conn.execute(
                _PG_ROLES,
                {"tenant": tenant_id, "ids": link_ids, "users": [p[0] for p in pairs], "roles": [p[1] for p in pairs]},
            )
        else:
            await conn.execute(
                T.users_roles.insert(),
                [{"tenant_id": tenant_id, "id": i, "user_id": u, "role_id": r} for i, (u, r) in zip(link_ids, pairs, strict=True)],
            )
    return inserted


async def users_by_ids(conn: AsyncConnection, tenant_id: str, user_ids: Sequence[str]) -> list[Row[Any]]:
    if not user_ids:
        return []
    return list((await conn.execute(select(U).where(U.c.tenant_id == tenant_id, U.c.id.in_(list(user_ids))))).all())


async def export_page(
    conn: AsyncConnection, tenant_id: str, after: tuple[int, str] | None, limit: int
) -> list[Row[Any]]:
    """The next `limit` users in (created_at, id) order after `after` (keyset: no OFFSET)."""
    query = select(U).where(U.c.tenant_id == tenant_id)
    if after is not None:
        query = query.where(tuple_(U.c.created_at, U.c.id) > tuple_(*after))
    return list((await conn.execute(query.order_by(U.c.created_at, U.c.id).limit(limit))).all())


async def count_users(conn: AsyncConnection, tenant_id: str) -> int:
    return int((await conn.execute(select(func.count()).select_from(U).where(U.c.tenant_id == tenant_id))).scalar_one())


async def analyze(conn: AsyncConnection) -> None:
    """Fresh planner statistics for `users` (PostgreSQL). Right after a table grows from a few
    rows to many, the planner still believes it small and scans it for each identifier lookup."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("ANALYZE users"))


async def estimated_users(conn: AsyncConnection) -> int:
    """The planner's idea of the table's size (PostgreSQL; 0 elsewhere)."""
    if conn.dialect.name != "postgresql":
        return 0
    found = (await conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'users'"))).scalar()
    return max(0, int(found or 0))
