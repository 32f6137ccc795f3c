"""sign-in experience, account center, phrases, custom profile fields, captcha

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sign_in_experiences", "account_centers", "custom_phrases", "custom_profile_fields", "captcha_providers")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _tenant(primary: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "tenant_id", sa.String(21), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, primary_key=primary
    )


def upgrade() -> None:
    op.create_table(
        "sign_in_experiences",
        _tenant(primary=True),
        sa.Column("data", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_sign_in_experiences"),
    )
    op.create_table(
        "account_centers",
        _tenant(primary=True),
        sa.Column("data", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_account_centers"),
    )
    op.create_table(
        "custom_phrases",
        _tenant(),
        sa.Column("id", sa.String(21), nullable=False),
        sa.Column("language_tag", sa.String(16), nullable=False),
        sa.Column("translation", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custom_phrases"),
        sa.UniqueConstraint("tenant_id", "language_tag", name="uq_custom_phrases_tenant_id_language_tag"),
    )
    op.create_table(
        "custom_profile_fields",
        _tenant(),
        sa.Column("id", sa.String(21), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("description", sa.String(256), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("sie_order", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custom_profile_fields"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_custom_profile_fields_tenant_id_name"),
    )
    op.create_table(
        "captcha_providers",
        _tenant(primary=True),
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_captcha_providers"),
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
