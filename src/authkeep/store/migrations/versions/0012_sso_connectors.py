"""sso connectors: SAML SP signing keys; the CIMD consent ceiling (cimd_*_scopes)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_connector_signing_keys",
        sa.Column("tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("id", sa.String(21), nullable=False),
        sa.Column(
            "sso_connector_id", sa.String(128), sa.ForeignKey("sso_connectors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("sealed_private_key", sa.Text(), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "sso_connector_id", "id"),
    )
    op.create_index(
        "uq_sso_connector_signing_keys_active",
        "sso_connector_signing_keys",
        ["tenant_id", "sso_connector_id"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )


    for name, column, target in (
        ("cimd_user_scopes", "user_scope", None),
        ("cimd_resource_scopes", "scope_id", "scopes.id"),
        ("cimd_organization_scopes", "organization_scope_id", "organization_scopes.id"),
        ("cimd_organization_resource_scopes", "scope_id", "scopes.id"),
    ):
        ref = (
            sa.Column(column, sa.String(64), nullable=False)
            if target is None
            else sa.Column(column, sa.String(21), sa.ForeignKey(target, ondelete="CASCADE"), nullable=False)
        )
        op.create_table(
            name,
            sa.Column("tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
            ref,
            sa.PrimaryKeyConstraint("tenant_id", column),
        )


def downgrade() -> None:
    for name in ("cimd_organization_resource_scopes", "cimd_organization_scopes", "cimd_resource_scopes", "cimd_user_scopes"):
        op.drop_table(name)
    op.drop_table("sso_connector_signing_keys")
