"""change feed per table: external writes say which table they changed

Revision ID: 0007
Revises: 0006

PostgreSQL: the statement trigger of migration 0005 now sends `external <table>`, so instances
drop only the caches of that table's families (store/changes.py, store/events.py).

SQLite: `PRAGMA data_version` says that another connection committed, not what. Row triggers on
every table count changes per table in `authkeep_table_versions`; a reader whose data_version
moved compares those counts (store/db.py, `Database.observe`). A table added by a later
migration needs `add_sqlite_counters(name)` (SQLite) and 0005's trigger (PostgreSQL).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = "authkeep_change_feed"
VERSIONS = "authkeep_table_versions"
_OPS = ("INSERT", "UPDATE", "DELETE")


def _function(payload: str) -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_setting('authkeep.app', true) IS DISTINCT FROM 'on' THEN
            PERFORM pg_notify('authkeep_changes', {payload});
          END IF;
          RETURN NULL;
        END $$
        """


def _sqlite_tables() -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        f"AND name NOT IN ('alembic_version', '{VERSIONS}')"
    )
    return sorted(r[0] for r in rows)


def add_sqlite_counters(table: str) -> None:
    op.execute(f"INSERT OR IGNORE INTO {VERSIONS} (name, version) VALUES ('{table}', 0)")
    for verb in _OPS:
        op.execute(
            f'CREATE TRIGGER {TRIGGER}_{table}_{verb.lower()} AFTER {verb} ON "{table}" BEGIN '
            f"UPDATE {VERSIONS} SET version = version + 1 WHERE name = '{table}'; END"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function("'external ' || TG_TABLE_NAME"))
        return
    op.execute(f"CREATE TABLE {VERSIONS} (name TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID")
    for table in _sqlite_tables():
        add_sqlite_counters(table)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function("'external'"))
        return
    for table in _sqlite_tables():
        for verb in _OPS:
            op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_{table}_{verb.lower()}")
    op.execute(f"DROP TABLE {VERSIONS}")
