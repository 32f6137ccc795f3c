"""organizations: SSO connectors and JIT SSO, message send log, membership FKs, cascade indexes

Revision ID: 0003
Revises: 0002

- `sso_connectors` (Logto's columns; no API yet, JIT SSO connectors reference them) and
  `organization_jit_sso_connectors`.
- `message_sends`: successful outbound messages per hashed recipient, for the per-recipient cap
  (10 per 10 minutes) on invitation emails.
- Logto's composite FKs: a member's organization roles reference the membership
  (`organization_user_relations`), an app's organization roles reference the app's membership
  (`organization_application_relations`), both ON DELETE CASCADE.
- One index leading with each cascading FK column of the organization tables, so deletes of
  organizations, roles, scopes, users and applications never scan whole relation tables.
- `organization_member_buckets`: members per organization and first character of the user id,
  kept exact by triggers on `organization_user_relations` (statement-level with transition
  tables on PostgreSQL, so bulk inserts and cascades cost a few row updates). The member list
  reads its `Total-Number` there and locates deep pages without skipping 100,000 index entries.
"""

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")

_INDEXES = {
    "ix_our_organization_id": ("organization_user_relations", ["organization_id"]),
    "ix_our_user_id": ("organization_user_relations", ["user_id"]),
    "ix_orur_organization_id": ("organization_role_user_relations", ["organization_id"]),
    "ix_orur_organization_role_id": ("organization_role_user_relations", ["organization_role_id"]),
    "ix_orur_user_id": ("organization_role_user_relations", ["user_id"]),
    "ix_oar_organization_id": ("organization_application_relations", ["organization_id"]),
    "ix_oar_application_id": ("organization_application_relations", ["application_id"]),
    "ix_orar_organization_id": ("organization_role_application_relations", ["organization_id"]),
    "ix_orar_organization_role_id": ("organization_role_application_relations", ["organization_role_id"]),
    "ix_orar_application_id": ("organization_role_application_relations", ["application_id"]),
    "ix_orsr_organization_role_id": ("organization_role_scope_relations", ["organization_role_id"]),
    "ix_orsr_organization_scope_id": ("organization_role_scope_relations", ["organization_scope_id"]),
    "ix_orrsr_organization_role_id": ("organization_role_resource_scope_relations", ["organization_role_id"]),
    "ix_orrsr_scope_id": ("organization_role_resource_scope_relations", ["scope_id"]),
    "ix_oi_organization_id": ("organization_invitations", ["organization_id"]),
    "ix_oi_inviter_id": ("organization_invitations", ["inviter_id"]),
    "ix_oi_accepted_user_id": ("organization_invitations", ["accepted_user_id"]),
    "ix_oirr_organization_invitation_id": ("organization_invitation_role_relations", ["organization_invitation_id"]),
    "ix_oirr_organization_role_id": ("organization_invitation_role_relations", ["organization_role_id"]),
    "ix_ojed_organization_id": ("organization_jit_email_domains", ["organization_id"]),
    "ix_ojr_organization_id": ("organization_jit_roles", ["organization_id"]),
    "ix_ojr_organization_role_id": ("organization_jit_roles", ["organization_role_id"]),
}

# (relation table, membership table, member column, constraint name)
_MEMBERSHIP_FKS = (
    ("organization_role_user_relations", "organization_user_relations", "user_id", "fk_orur_membership"),
    (
        "organization_role_application_relations",
        "organization_application_relations",
        "application_id",
        "fk_orar_membership",
    ),
)


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _count_function(name: str, rows: str, sign: str) -> str:
    return f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO organization_member_buckets (tenant_id, organization_id, bucket, n)
          SELECT tenant_id, organization_id, substr(user_id, 1, 1), {sign}count(*) FROM {rows}
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
          ON CONFLICT (tenant_id, organization_id, bucket) DO UPDATE SET n = organization_member_buckets.n + EXCLUDED.n;
          RETURN NULL;
        END $$
    """


def _create_member_counts() -> None:
    op.create_table(
        "organization_member_buckets",
        sa.Column("tenant_id", sa.String(length=21), nullable=False),
        sa.Column("organization_id", sa.String(length=21), nullable=False),
        sa.Column("bucket", sa.String(length=4), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "organization_id", "bucket", name="pk_organization_member_buckets"),
    )
    op.execute(
        "INSERT INTO organization_member_buckets (tenant_id, organization_id, bucket, n) "
        "SELECT tenant_id, organization_id, substr(user_id, 1, 1), count(*) FROM organization_user_relations "
        "GROUP BY 1, 2, 3"
    )
    if _pg():
        op.execute(_count_function("authkeep_org_member_counts_add", "new_rows", ""))
        op.execute(_count_function("authkeep_org_member_counts_remove", "old_rows", "-"))
        op.execute(
            "CREATE TRIGGER our_count_insert AFTER INSERT ON organization_user_relations "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION authkeep_org_member_counts_add()"
        )
        op.execute(
            "CREATE TRIGGER our_count_delete AFTER DELETE ON organization_user_relations "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION authkeep_org_member_counts_remove()"
        )
        return
    for event, row, delta in (("INSERT", "NEW", "+ 1"), ("DELETE", "OLD", "- 1")):
        op.execute(
            f"""
            CREATE TRIGGER our_count_{event.lower()} AFTER {event} ON organization_user_relations BEGIN
              INSERT INTO organization_member_buckets (tenant_id, organization_id, bucket, n)
              VALUES ({row}.tenant_id, {row}.organization_id, substr({row}.user_id, 1, 1), 0 {delta})
              ON CONFLICT (tenant_id, organization_id, bucket) DO UPDATE SET n = n {delta};
            END
            """
        )


def _drop_member_counts() -> None:
    if _pg():
        op.execute("DROP TRIGGER IF EXISTS our_count_insert ON organization_user_relations")
        op.execute("DROP TRIGGER IF EXISTS our_count_delete ON organization_user_relations")
        op.execute("DROP FUNCTION IF EXISTS authkeep_org_member_counts_add()")
        op.execute("DROP FUNCTION IF EXISTS authkeep_org_member_counts_remove()")
    else:
        op.execute("DROP TRIGGER IF EXISTS our_count_insert")
        op.execute("DROP TRIGGER IF EXISTS our_count_delete")
    op.drop_table("organization_member_buckets")


def upgrade() -> None:
    op.create_table(
        "sso_connectors",
        sa.Column("tenant_id", sa.String(length=21), nullable=False),
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("provider_name", sa.String(length=128), nullable=False),
        sa.Column("connector_name", sa.String(length=128), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("domains", _JSON, nullable=False),
        sa.Column("branding", _JSON, nullable=False),
        sa.Column("sync_profile", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("enable_token_storage", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_sso_connectors_tenant_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_sso_connectors"),
        sa.UniqueConstraint("tenant_id", "connector_name", name="uq_sso_connectors_tenant_id_connector_name"),
    )
    op.create_table(
        "organization_jit_sso_connectors",
        sa.Column("tenant_id", sa.String(length=21), nullable=False),
        sa.Column("organization_id", sa.String(length=21), nullable=False),
        sa.Column("sso_connector_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_organization_jit_sso_connectors_tenant_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_organization_jit_sso_connectors_organization_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sso_connector_id"],
            ["sso_connectors.id"],
            name="fk_organization_jit_sso_connectors_sso_connector_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "organization_id", "sso_connector_id", name="pk_organization_jit_sso_connectors"
        ),
    )
    op.create_index("ix_ojsc_organization_id", "organization_jit_sso_connectors", ["organization_id"])
    op.create_index("ix_ojsc_sso_connector_id", "organization_jit_sso_connectors", ["sso_connector_id"])

    op.create_table(
        "message_sends",
        sa.Column("tenant_id", sa.String(length=21), nullable=False),
        sa.Column("id", sa.String(length=21), nullable=False),
        sa.Column("target_hash", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_message_sends_tenant_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_message_sends"),
    )
    op.create_index("ix_message_sends_target", "message_sends", ["tenant_id", "target_hash", "action", "created_at"])

    for relation, membership, member, name in _MEMBERSHIP_FKS:
        # Rows that were never valid under Logto's rules cannot stay behind the new constraint.
        op.execute(
            f"DELETE FROM {relation} WHERE NOT EXISTS (SELECT 1 FROM {membership} m "
            f"WHERE m.tenant_id = {relation}.tenant_id AND m.organization_id = {relation}.organization_id "
            f"AND m.{member} = {relation}.{member})"
        )
        # SQLite rebuilds the table; reflecting its FK targets warns about the users table's
        # expression indexes, which the rebuild does not touch.
        with warnings.catch_warnings(), op.batch_alter_table(relation) as batch:
            warnings.simplefilter("ignore")
            batch.create_foreign_key(
                name,
                membership,
                ["tenant_id", "organization_id", member],
                ["tenant_id", "organization_id", member],
                ondelete="CASCADE",
            )

    for name, (table, columns) in _INDEXES.items():
        op.create_index(name, table, columns)
    _create_member_counts()


def downgrade() -> None:
    _drop_member_counts()
    for name, (table, _columns) in _INDEXES.items():
        op.drop_index(name, table_name=table)
    for relation, _membership, _member, name in _MEMBERSHIP_FKS:
        with warnings.catch_warnings(), op.batch_alter_table(relation) as batch:
            warnings.simplefilter("ignore")
            batch.drop_constraint(name, type_="foreignkey")
    op.drop_index("ix_message_sends_target", table_name="message_sends")
    op.drop_table("message_sends")
    op.drop_index("ix_ojsc_sso_connector_id", table_name="organization_jit_sso_connectors")
    op.drop_index("ix_ojsc_organization_id", table_name="organization_jit_sso_connectors")
    op.drop_table("organization_jit_sso_connectors")
    op.drop_table("sso_connectors")
