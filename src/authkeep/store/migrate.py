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


# The change feed (migrations 0005 and 0007) must see every table, including those added by later
# migrations: after each upgrade, a table without its trigger gets one (idempotent, no table named).
_FEED = "authkeep_change_feed"
_VERSIONS = "authkeep_table_versions"


def _feed_every_table(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        missing = connection.exec_driver_sql(
            "SELECT t.tablename FROM pg_tables t WHERE t.schemaname = current_schema() "
            "AND t.tablename <> 'alembic_version' AND NOT EXISTS (SELECT 1 FROM pg_trigger g "
            f"WHERE g.tgrelid = (quote_ident(t.tablename))::regclass AND g.tgname = '{_FEED}')"
        ).scalars().all()
        for table in missing:
            connection.exec_driver_sql(
                f'CREATE TRIGGER {_FEED} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_FEED}()"
            )
        return
    missing = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        f"AND name NOT IN ('alembic_version', '{_VERSIONS}') AND name NOT IN (SELECT name FROM {_VERSIONS})"
    ).scalars().all()
    for table in missing:
        connection.exec_driver_sql(f"INSERT INTO {_VERSIONS} (name, version) VALUES ('{table}', 0)")
        for verb in ("INSERT", "UPDATE", "DELETE"):
            connection.exec_driver_sql(
                f'CREATE TRIGGER {_FEED}_{table}_{verb.lower()} AFTER {verb} ON "{table}" BEGIN '
                f"UPDATE {_VERSIONS} SET version = version + 1 WHERE name = '{table}'; END"
            )


def _upgrade(connection: Connection) -> None:
    locks.hold_setup_sync(connection)
    command.upgrade(alembic_config(connection), "head")
    _feed_every_table(connection)


async def migrate(db: Database) -> None:
    async with db.write() as conn:
        await conn.run_sync(_upgrade)
