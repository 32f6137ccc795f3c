"""idempotency keys of POST requests

Revision ID: 0017
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0017"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TABLE = "idempotency_keys"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("client_id", sa.String(256), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(32), nullable=True),
        sa.Column("committed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("headers", _JSON, nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "client_id", "subject", "key"),
    )
    op.create_index("ix_idempotency_keys_expires_at", TABLE, ["expires_at"])
    if op.get_bind().dialect.name == "sqlite":  # the per-table change counters of 0007
        op.execute(f"INSERT OR IGNORE INTO authkeep_table_versions (name, version) VALUES ('{TABLE}', 0)")
        for verb in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f'CREATE TRIGGER authkeep_change_feed_{TABLE}_{verb.lower()} AFTER {verb} ON "{TABLE}" BEGIN '
                f"UPDATE authkeep_table_versions SET version = version + 1 WHERE name = '{TABLE}'; END"
            )
    # PostgreSQL: no change-feed trigger; no cache reads this table.


def downgrade() -> None:
    op.drop_table(TABLE)
