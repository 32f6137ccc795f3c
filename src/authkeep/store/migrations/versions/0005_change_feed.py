"""change feed: writes made outside authkeep notify its caches

Revision ID: 0005
Revises: 0004

PostgreSQL only. A statement-level trigger on every table sends `NOTIFY authkeep_changes` when a
session that is not authkeep's own (`authkeep.app` unset: psql, scripts, bulk loads) changes
data, so every instance drops its caches (store/changes.py). authkeep's sessions skip it: they
announce after commit instead, which keeps PostgreSQL's commit-time NOTIFY lock off their path.
A table added by a later migration needs `add_change_trigger(name)`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = "authkeep_change_feed"


def add_change_trigger(table: str) -> None:
    op.execute(
        f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
    )


def _tables() -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
    )
    return sorted(r[0] for r in rows)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite readers see every commit through PRAGMA data_version
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_setting('authkeep.app', true) IS DISTINCT FROM 'on' THEN
            PERFORM pg_notify('authkeep_changes', 'external');
          END IF;
          RETURN NULL;
        END $$
        """
    )
    for table in _tables():
        add_change_trigger(table)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        op.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
    op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
