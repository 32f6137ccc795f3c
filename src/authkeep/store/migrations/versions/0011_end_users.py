"""end users: oidc model instances, verification records, sentinel activities

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "oidc_model_instances",
        _tenant(),
        sa.Column("model_name", sa.String(64), nullable=False),
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("grant_id", sa.String(128), nullable=True),
        sa.Column("account_id", sa.String(12), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("client_id", sa.String(21), sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=True),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("consumed_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "model_name", "id"),
    )
    op.create_index("ix_oidc_model_instances_tenant_id_grant_id", "oidc_model_instances", ["tenant_id", "grant_id"])
    op.create_index(
        "ix_oidc_model_instances_tenant_id_account_id_model_name",
        "oidc_model_instances",
        ["tenant_id", "account_id", "model_name"],
    )
    op.create_index("ix_oidc_model_instances_expires_at", "oidc_model_instances", ["expires_at"])
    op.create_table(
        "verification_records",
        _tenant(),
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("user_id", sa.String(12), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_verification_records_tenant_id_user_id", "verification_records", ["tenant_id", "user_id"])
    op.create_table(
        "sentinel_activities",
        _tenant(),
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_hash", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("action_result", sa.String(32), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("decision_expires_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_sentinel_activities_target",
        "sentinel_activities",
        ["tenant_id", "target_type", "target_hash", "action", "created_at"],
    )


def downgrade() -> None:
    op.drop_table("sentinel_activities")
    op.drop_table("verification_records")
    op.drop_table("oidc_model_instances")
