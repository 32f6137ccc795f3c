"""Run Alembic migrations over authkeep's own engine, serialised across instances."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from authkeep.store import locks
from authkeep.store.db import Database
from authkeep.store.tables import metadata

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = metadata  # for autogenerate; env.py imports nothing from authkeep
    return cfg


def _upgrade(connection: Connection) -> None:
    locks.hold_setup_sync(connection)
    command.upgrade(alembic_config(connection), "head")


async def migrate(db: Database) -> None:
    async with db.write() as conn:
        await conn.run_sync(_upgrade)
