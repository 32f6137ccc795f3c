"""connectors, verification codes, one-time tokens, email templates

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("connectors", "passcodes", "one_time_tokens", "email_templates")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "connectors",
        _tenant(),
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("connector_id", sa.String(128), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("sealed_secrets", sa.Text(), nullable=True),
        sa.Column("metadata", _JSON, nullable=False),
        sa.Column("sync_profile", sa.Boolean(), nullable=False),
        sa.Column("enable_token_storage", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_connectors"),
    )
    op.create_table(
        "passcodes",
        _tenant(),
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("interaction_jti", sa.String(128), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(128), nullable=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("consumed", sa.Boolean(), nullable=False),
        sa.Column("try_count", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_passcodes_email", "passcodes", ["tenant_id", "email", "type"])
    op.create_index("ix_passcodes_phone", "passcodes", ["tenant_id", "phone", "type"])
    op.create_table(
        "one_time_tokens",
        _tenant(),
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("email", sa.String(128), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("sealed_token", sa.Text(), nullable=False),
        sa.Column("context", _JSON, nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("tenant_id", "token_hash", name="uq_one_time_tokens_token_hash"),
    )
    op.create_index("ix_one_time_tokens_email", "one_time_tokens", ["tenant_id", "email", "status"])
    op.create_table(
        "email_templates",
        _tenant(),
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("language_tag", sa.String(16), nullable=False),
        sa.Column("template_type", sa.String(64), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("tenant_id", "language_tag", "template_type", name="uq_email_templates_type"),
    )
    if op.get_bind().dialect.name == "postgresql":  # the change feed of 0005
        for table in TABLES:
            op.execute(
                f'CREATE TRIGGER authkeep_change_feed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION authkeep_change_feed()"
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
