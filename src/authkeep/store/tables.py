"""Table definitions shared by both backends. Timestamps are epoch milliseconds (Logto's wire form)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Json = JSON().with_variant(JSONB(), "postgresql")


def _tenant() -> Column:  # type: ignore[type-arg]
    return Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def _fk(name: str, target: str, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(name, String(21), ForeignKey(target, ondelete="CASCADE"), nullable=nullable)


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(21), primary_key=True),
    Column("name", String(128), nullable=False, server_default="My Project"),
    Column("created_at", BigInteger, nullable=False),
)

system_settings = Table(
    "system_settings",
    metadata,
    _tenant(),
    Column("key", String(128), nullable=False),
    Column("value", Json, nullable=False),
    PrimaryKeyConstraint("tenant_id", "key"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("kind", String(16), nullable=False),  # private | cookie
    Column("algorithm", String(16), nullable=False),  # EC | RSA
    Column("status", String(16), nullable=False),  # Current | Next | Previous
    Column("encrypted_value", Text, nullable=False),
    Column("public_jwk", Json, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("effective_at", BigInteger, nullable=True),
    Index(None, "tenant_id", "kind"),
)

applications = Table(
    "applications",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("secret", Text, nullable=False),  # encrypted internal or legacy secret
    Column("description", Text, nullable=True),
    Column("type", String(32), nullable=False),
    Column("oidc_client_metadata", Json, nullable=False),
    Column("custom_client_metadata", Json, nullable=False),
    Column("protected_app_metadata", Json, nullable=True),
    Column("custom_data", Json, nullable=False),
    Column("is_third_party", Boolean, nullable=False, server_default=text("false")),
    Column("app_level_access_control_enabled", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "tenant_id", "created_at"),
    Index(None, "tenant_id", "type"),
)

application_secrets = Table(
    "application_secrets",
    metadata,
    _tenant(),
    _fk("application_id", "applications.id"),
    Column("name", String(256), nullable=False),
    Column("value", Text, nullable=False),  # encrypted at rest
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    PrimaryKeyConstraint("tenant_id", "application_id", "name"),
)

resources = Table(
    "resources",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("name", Text, nullable=False),
    Column("indicator", Text, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    Column("access_token_ttl", BigInteger, nullable=False, server_default=text("3600")),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "indicator"),
    Index(
        "uq_resources_default",
        "tenant_id",
        unique=True,
        postgresql_where=text("is_default = true"),
        sqlite_where=text("is_default = 1"),
    ),
)

scopes = Table(
    "scopes",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    _fk("resource_id", "resources.id"),
    Column("name", String(256), nullable=False),
    Column("description", Text, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "resource_id", "name"),
)

roles = Table(
    "roles",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("description", String(128), nullable=False),
    Column("type", String(32), nullable=False, server_default="User"),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "name"),
    Index(None, "tenant_id", "type"),
)

roles_scopes = Table(
    "roles_scopes",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    _fk("role_id", "roles.id"),
    _fk("scope_id", "scopes.id"),
    UniqueConstraint("tenant_id", "role_id", "scope_id"),
    Index(None, "scope_id"),
)

users = Table(
    "users",
    metadata,
    _tenant(),
    Column("id", String(12), primary_key=True),
    Column("username", String(128), nullable=True),
    Column("primary_email", String(128), nullable=True),
    Column("primary_phone", String(128), nullable=True),
    Column("password_encrypted", String(256), nullable=True),
    Column("password_encryption_method", String(32), nullable=True),
    Column("name", String(128), nullable=True),
    Column("avatar", String(2048), nullable=True),
    Column("profile", Json, nullable=False),
    Column("application_id", String(21), nullable=True),
    Column("identities", Json, nullable=False),
    Column("custom_data", Json, nullable=False),
    Column("logto_config", Json, nullable=False),
    Column("mfa_verifications", Json, nullable=False),
    Column("is_suspended", Boolean, nullable=False, server_default=text("false")),
    Column("is_password_expired", Boolean, nullable=False, server_default=text("false")),
    Column("last_sign_in_at", BigInteger, nullable=True),
    Column("password_updated_at", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "username"),
    UniqueConstraint("tenant_id", "primary_email"),
    UniqueConstraint("tenant_id", "primary_phone"),
    Index(None, "tenant_id", "created_at"),
)

users_roles = Table(
    "users_roles",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    _fk("user_id", "users.id"),
    _fk("role_id", "roles.id"),
    UniqueConstraint("tenant_id", "user_id", "role_id"),
    Index(None, "role_id"),
)

applications_roles = Table(
    "applications_roles",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    _fk("application_id", "applications.id"),
    _fk("role_id", "roles.id"),
    UniqueConstraint("tenant_id", "application_id", "role_id"),
    Index(None, "role_id"),
)

organizations = Table(
    "organizations",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("description", String(256), nullable=True),
    Column("custom_data", Json, nullable=False),
    Column("is_mfa_required", Boolean, nullable=False, server_default=text("false")),
    Column("color", Json, nullable=False),
    Column("branding", Json, nullable=False),
    Column("custom_css", Text, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "tenant_id", "created_at"),
)

organization_roles = Table(
    "organization_roles",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("description", String(256), nullable=True),
    Column("type", String(32), nullable=False, server_default="User"),
    UniqueConstraint("tenant_id", "name"),
)

organization_scopes = Table(
    "organization_scopes",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("description", String(256), nullable=True),
    UniqueConstraint("tenant_id", "name"),
)

organization_role_scope_relations = Table(
    "organization_role_scope_relations",
    metadata,
    _tenant(),
    _fk("organization_role_id", "organization_roles.id"),
    _fk("organization_scope_id", "organization_scopes.id"),
    PrimaryKeyConstraint("tenant_id", "organization_role_id", "organization_scope_id"),
)

organization_role_resource_scope_relations = Table(
    "organization_role_resource_scope_relations",
    metadata,
    _tenant(),
    _fk("organization_role_id", "organization_roles.id"),
    _fk("scope_id", "scopes.id"),
    PrimaryKeyConstraint("tenant_id", "organization_role_id", "scope_id"),
)

organization_user_relations = Table(
    "organization_user_relations",
    metadata,
    _tenant(),
    _fk("organization_id", "organizations.id"),
    _fk("user_id", "users.id"),
    PrimaryKeyConstraint("tenant_id", "organization_id", "user_id"),
    Index(None, "tenant_id", "user_id"),
)

organization_role_user_relations = Table(
    "organization_role_user_relations",
    metadata,
    _tenant(),
    _fk("organization_id", "organizations.id"),
    _fk("organization_role_id", "organization_roles.id"),
    _fk("user_id", "users.id"),
    PrimaryKeyConstraint("tenant_id", "organization_id", "organization_role_id", "user_id"),
    Index(None, "tenant_id", "organization_id", "user_id"),
)

organization_application_relations = Table(
    "organization_application_relations",
    metadata,
    _tenant(),
    _fk("organization_id", "organizations.id"),
    _fk("application_id", "applications.id"),
    PrimaryKeyConstraint("tenant_id", "organization_id", "application_id"),
    Index(None, "tenant_id", "application_id"),
)

organization_role_application_relations = Table(
    "organization_role_application_relations",
    metadata,
    _tenant(),
    _fk("organization_id", "organizations.id"),
    _fk("organization_role_id", "organization_roles.id"),
    _fk("application_id", "applications.id"),
    PrimaryKeyConstraint("tenant_id", "organization_id", "organization_role_id", "application_id"),
    Index(None, "tenant_id", "organization_id", "application_id"),
)

organization_invitations = Table(
    "organization_invitations",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    _fk("inviter_id", "users.id", nullable=True),
    Column("invitee", String(256), nullable=False),
    _fk("accepted_user_id", "users.id", nullable=True),
    _fk("organization_id", "organizations.id"),
    Column("status", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index(
        "uq_organization_invitations_pending",
        "tenant_id",
        "invitee",
        "organization_id",
        unique=True,
        postgresql_where=text("status = 'Pending'"),
        sqlite_where=text("status = 'Pending'"),
    ),
)

organization_invitation_role_relations = Table(
    "organization_invitation_role_relations",
    metadata,
    _tenant(),
    _fk("organization_invitation_id", "organization_invitations.id"),
    _fk("organization_role_id", "organization_roles.id"),
    PrimaryKeyConstraint("tenant_id", "organization_invitation_id", "organization_role_id"),
)

organization_jit_email_domains = Table(
    "organization_jit_email_domains",
    metadata,
    _tenant(),
    _fk("organization_id", "organizations.id"),
    Column("email_domain", String(128), nullable=False),
    PrimaryKeyConstraint("tenant_id", "organization_id", "email_domain"),
)

organization_jit_roles = Table(
    "organization_jit_roles",
    metadata,
    _tenant(),
    _fk("organization_id", "organizations.id"),
    _fk("organization_role_id", "organization_roles.id"),
    PrimaryKeyConstraint("tenant_id", "organization_id", "organization_role_id"),
)

application_sign_in_experiences = Table(
    "application_sign_in_experiences",
    metadata,
    _tenant(),
    Column("application_id", String(21), ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True),
    Column("color", Json, nullable=False),
    Column("branding", Json, nullable=False),
    Column("custom_css", Text, nullable=True),
    Column("terms_of_use_url", String(2048), nullable=True),
    Column("privacy_policy_url", String(2048), nullable=True),
    Column("display_name", String(256), nullable=True),
)

application_user_consent_resource_scopes = Table(
    "application_user_consent_resource_scopes",
    metadata,
    _tenant(),
    _fk("application_id", "applications.id"),
    _fk("scope_id", "scopes.id"),
    PrimaryKeyConstraint("tenant_id", "application_id", "scope_id"),
)

application_user_consent_organization_resource_scopes = Table(
    "application_user_consent_organization_resource_scopes",
    metadata,
    _tenant(),
    _fk("application_id", "applications.id"),
    _fk("scope_id", "scopes.id"),
    PrimaryKeyConstraint("tenant_id", "application_id", "scope_id"),
)

application_user_consent_organization_scopes = Table(
    "application_user_consent_organization_scopes",
    metadata,
    _tenant(),
    _fk("application_id", "applications.id"),
    _fk("organization_scope_id", "organization_scopes.id"),
    PrimaryKeyConstraint("tenant_id", "application_id", "organization_scope_id"),
)

application_user_consent_user_scopes = Table(
    "application_user_consent_user_scopes",
    metadata,
    _tenant(),
    _fk("application_id", "applications.id"),
    Column("user_scope", String(64), nullable=False),
    PrimaryKeyConstraint("tenant_id", "application_id", "user_scope"),
)

application_user_consent_organizations = Table(
    "application_user_consent_organizations",
    metadata,
    _tenant(),
    _fk("application_id", "applications.id"),
    _fk("user_id", "users.id"),
    _fk("organization_id", "organizations.id"),
    PrimaryKeyConstraint("tenant_id", "application_id", "user_id", "organization_id"),
)

application_access_rules = Table(
    "application_access_rules",
    metadata,
    _tenant(),
    _fk("application_id", "applications.id"),
    Column("kind", String(32), nullable=False),  # user | userRole | organization | organizationRole
    Column("target_id", String(21), nullable=False),
    Column("organization_id", String(21), nullable=False, server_default=""),
    PrimaryKeyConstraint("tenant_id", "application_id", "kind", "target_id", "organization_id"),
)

# --- Users (issue 3): PATs, enterprise SSO identities, the maintained user count, list indexes ---

personal_access_tokens = Table(
    "personal_access_tokens",
    metadata,
    _tenant(),
    _fk("user_id", "users.id"),
    Column("name", String(256), nullable=False),
    Column("value", Text, nullable=False),  # sealed with the secret box (GET shows it again)
    Column("value_hash", String(64), nullable=False),  # sha256 hex, for lookup by value
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    PrimaryKeyConstraint("tenant_id", "user_id", "name"),
    Index(None, "tenant_id", "value_hash"),
)

user_sso_identities = Table(
    "user_sso_identities",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    _fk("user_id", "users.id"),
    Column("issuer", String(256), nullable=False),
    Column("identity_id", String(128), nullable=False),
    Column("detail", Json, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("sso_connector_id", String(128), nullable=False),
    UniqueConstraint("tenant_id", "issuer", "identity_id"),
    Index(None, "tenant_id", "user_id"),
)

# Unfiltered `GET /users` reads its exact Total-Number here (sum over shards) instead of count(*).
# Kept by triggers on `users` (migration 0002); shards spread concurrent inserts over rows.
user_counts = Table(
    "user_counts",
    metadata,
    Column("tenant_id", String(21), nullable=False),
    Column("shard", Integer, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "shard"),
)

Index("ix_users_tenant_id_created_at_id", users.c.tenant_id, users.c.created_at, users.c.id)
Index("uq_users_lower_primary_email", users.c.tenant_id, func.lower(users.c.primary_email), unique=True)
Index("ix_users_lower_username", users.c.tenant_id, func.lower(users.c.username))
Index("ix_users_lower_primary_phone", users.c.tenant_id, func.lower(users.c.primary_phone))
Index("ix_users_lower_name", users.c.tenant_id, func.lower(users.c.name))
Index("ix_users_lower_id", users.c.tenant_id, func.lower(users.c.id))

# --- Organizations (issue 4, migration 0003) ---------------------------------------------------

from sqlalchemy import ForeignKeyConstraint

sso_connectors = Table(
    "sso_connectors",
    metadata,
    _tenant(),
    Column("id", String(128), primary_key=True),
    Column("provider_name", String(128), nullable=False),
    Column("connector_name", String(128), nullable=False),
    Column("config", Json, nullable=False),
    Column("domains", Json, nullable=False),
    Column("branding", Json, nullable=False),
    Column("sync_profile", Boolean, nullable=False, server_default=text("false")),
    Column("enable_token_storage", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "connector_name"),
)

organization_jit_sso_connectors = Table(
    "organization_jit_sso_connectors",
    metadata,
    _tenant(),
    _fk("organization_id", "organizations.id"),
    Column("sso_connector_id", String(128), ForeignKey("sso_connectors.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("tenant_id", "organization_id", "sso_connector_id"),
    Index("ix_ojsc_organization_id", "organization_id"),
    Index("ix_ojsc_sso_connector_id", "sso_connector_id"),
)

# Successful outbound messages per recipient (sha256 of the normalised address), for Logto's
# per-recipient cap of 10 sends per 10 minutes (request.message_rate_limited).
message_sends = Table(
    "message_sends",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("target_hash", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_message_sends_target", "tenant_id", "target_hash", "action", "created_at"),
)

# A member's roles follow the membership, an app's org roles follow the app's membership
# (Logto's composite FKs): removing the membership removes the roles, and a role cannot be
# given to a non-member.
organization_role_user_relations.append_constraint(
    ForeignKeyConstraint(
        ["tenant_id", "organization_id", "user_id"],
        [
            organization_user_relations.c.tenant_id,
            organization_user_relations.c.organization_id,
            organization_user_relations.c.user_id,
        ],
        name="fk_orur_membership",
        ondelete="CASCADE",
    )
)
organization_role_application_relations.append_constraint(
    ForeignKeyConstraint(
        ["tenant_id", "organization_id", "application_id"],
        [
            organization_application_relations.c.tenant_id,
            organization_application_relations.c.organization_id,
            organization_application_relations.c.application_id,
        ],
        name="fk_orar_membership",
        ondelete="CASCADE",
    )
)

# Indexes leading with each cascading FK column, so deleting an organization, role, scope, user
# or application finds its relation rows without scanning whole tables.
ORGANIZATION_FK_INDEXES = {
    "ix_our_organization_id": (organization_user_relations, ("organization_id",)),
    "ix_our_user_id": (organization_user_relations, ("user_id",)),
    "ix_orur_organization_id": (organization_role_user_relations, ("organization_id",)),
    "ix_orur_organization_role_id": (organization_role_user_relations, ("organization_role_id",)),
    "ix_orur_user_id": (organization_role_user_relations, ("user_id",)),
    "ix_oar_organization_id": (organization_application_relations, ("organization_id",)),
    "ix_oar_application_id": (organization_application_relations, ("application_id",)),
    "ix_orar_organization_id": (organization_role_application_relations, ("organization_id",)),
    "ix_orar_organization_role_id": (organization_role_application_relations, ("organization_role_id",)),
    "ix_orar_application_id": (organization_role_application_relations, ("application_id",)),
    "ix_orsr_organization_role_id": (organization_role_scope_relations, ("organization_role_id",)),
    "ix_orsr_organization_scope_id": (organization_role_scope_relations, ("organization_scope_id",)),
    "ix_orrsr_organization_role_id": (organization_role_resource_scope_relations, ("organization_role_id",)),
    "ix_orrsr_scope_id": (organization_role_resource_scope_relations, ("scope_id",)),
    "ix_oi_organization_id": (organization_invitations, ("organization_id",)),
    "ix_oi_inviter_id": (organization_invitations, ("inviter_id",)),
    "ix_oi_accepted_user_id": (organization_invitations, ("accepted_user_id",)),
    "ix_oirr_organization_invitation_id": (
        organization_invitation_role_relations,
        ("organization_invitation_id",),
    ),
    "ix_oirr_organization_role_id": (organization_invitation_role_relations, ("organization_role_id",)),
    "ix_ojed_organization_id": (organization_jit_email_domains, ("organization_id",)),
    "ix_ojr_organization_id": (organization_jit_roles, ("organization_id",)),
    "ix_ojr_organization_role_id": (organization_jit_roles, ("organization_role_id",)),
}
for _name, (_table, _cols) in ORGANIZATION_FK_INDEXES.items():
    Index(_name, *(_table.c[c] for c in _cols))

# Members per organization and first character of the user id, kept exact by triggers on
# organization_user_relations (migration 0003): the member list's Total-Number without counting
# 100,000 rows, and where a deep page starts. No FK: the rows of a deleted organization are
# removed by its delete, after the cascade's trigger ran.
organization_member_buckets = Table(
    "organization_member_buckets",
    metadata,
    Column("tenant_id", String(21), nullable=False),
    Column("organization_id", String(21), nullable=False),
    Column("bucket", String(4), nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "organization_id", "bucket"),
)

# --- Admin console (issue 7): console admin accounts and their server-side sessions ---

console_admins = Table(
    "console_admins",
    metadata,
    Column("id", String(21), primary_key=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),  # argon2id
    Column("created_at", BigInteger, nullable=False),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 hex of the random session id
    _fk("admin_id", "console_admins.id"),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index(None, "admin_id"),
    Index(None, "expires_at"),
)

# Users per created_at bucket at levels 30/20/10 (bucket = created_at >> level), kept by the same
# triggers: lets a deep page find its position without walking `offset` index entries.
user_buckets = Table(
    "user_buckets",
    metadata,
    Column("tenant_id", String(21), nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("bucket", BigInteger, nullable=False),
    Column("shard", SmallInteger, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "level", "bucket", "shard"),
)


# Tables declared in their own modules join this metadata here, so `metadata` is always whole.
from authkeep.store import tables_connectors, tables_oidc, tables_sign_in, tables_subject_tokens  # noqa: F401
