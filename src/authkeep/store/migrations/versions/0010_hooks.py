"""hooks, hook outbox, audit logs

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "hooks",
        _tenant(),
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("event", sa.String(128), nullable=True),
        sa.Column("events", _JSON, nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("sealed_signing_key", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_hooks_tenant_id_created_at", "hooks", ["tenant_id", "created_at"])
    op.create_table(
        "hook_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("hook_id", sa.String(21), sa.ForeignKey("hooks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(128), nullable=False),
        sa.Column("context", _JSON, nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("data", _JSON, nullable=True),
        sa.Column("ready", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_hook_outbox_due_at", "hook_outbox", ["due_at"])
    op.create_table(
        "logs",
        _tenant(),
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("hook_id", sa.String(21), nullable=True),
        sa.Column("user_id", sa.String(21), nullable=True),
        sa.Column("application_id", sa.String(256), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_logs_tenant_id_created_at", "logs", ["tenant_id", "created_at"])
    op.create_index("ix_logs_tenant_id_hook_id_created_at", "logs", ["tenant_id", "hook_id", "created_at"])
    op.create_index("ix_logs_tenant_id_key", "logs", ["tenant_id", "key"])


def downgrade() -> None:
    op.drop_table("logs")
    op.drop_table("hook_outbox")
    op.drop_table("hooks")
