"""SAML applications: configs, signing secrets (private keys sealed), SP-initiated sessions

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def _app() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "application_id",
        sa.String(21),
        sa.ForeignKey("applications.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "saml_application_configs",
        _tenant(),
        _app(),
        sa.Column("attribute_mapping", JSON, nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=True),
        sa.Column("acs_url", JSON, nullable=True),
        sa.Column("encryption", JSON, nullable=True),
        sa.Column("name_id_format", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "application_id"),
    )
    op.create_table(
        "saml_application_secrets",
        _tenant(),
        sa.Column("id", sa.String(21), nullable=False),
        _app(),
        sa.Column("sealed_private_key", sa.Text(), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "application_id", "id"),
    )
    op.create_index(
        "uq_saml_application_secrets_active",
        "saml_application_secrets",
        ["tenant_id", "application_id"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "saml_application_sessions",
        _tenant(),
        sa.Column("id", sa.String(32), nullable=False),
        _app(),
        sa.Column("saml_request_id", sa.String(128), nullable=False),
        sa.Column("oidc_state", sa.String(32), nullable=True),
        sa.Column("relay_state", sa.String(512), nullable=True),
        sa.Column("raw_auth_request", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )


def downgrade() -> None:
    op.drop_table("saml_application_sessions")
    op.drop_table("saml_application_secrets")
    op.drop_table("saml_application_configs")
