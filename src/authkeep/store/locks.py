"""PostgreSQL advisory locks that serialise instance setup (migrations, seeding, bootstrap).

Transaction-scoped (`pg_advisory_xact_lock`): released at commit or rollback, so it works behind
PgBouncer in transaction mode. SQLite needs none: its writes already run one at a time.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

SETUP = 0x61757468  # "auth": schema changes, the seed and the bootstrap app, one instance at a time

_SQL = text("SELECT pg_advisory_xact_lock(:k)")


async def hold_setup(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(_SQL, {"k": SETUP})


def hold_setup_sync(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(_SQL, {"k": SETUP})
