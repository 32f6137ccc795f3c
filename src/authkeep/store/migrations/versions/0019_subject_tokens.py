"""subject tokens: impersonation tokens for the token exchange grant

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "subject_tokens",
        sa.Column("tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(12), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("context", _JSON, nullable=False),
        sa.Column("creator_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("consumed_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_index("ix_subject_tokens_tenant_id_user_id", "subject_tokens", ["tenant_id", "user_id"])
    op.create_index("ix_subject_tokens_expires_at", "subject_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("subject_tokens")
