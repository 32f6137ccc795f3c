"""SAML applications (Logto's `saml_application_configs`, `saml_application_secrets`,
`saml_application_sessions`). The application itself is an `applications` row of type SAML.

A secret's private key is sealed at rest (SecretBox, bound to tenant, application and secret id);
Logto keeps it in plain text and never answers it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from authkeep.store.tables import Json, metadata


def _tenant() -> Column:  # type: ignore[type-arg]
    return Column(
        "tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def _app() -> Column:  # type: ignore[type-arg]
    return Column(
        "application_id",
        String(21),
        ForeignKey("applications.id", ondelete="CASCADE"),
        nullable=False,
    )


saml_application_configs = Table(
    "saml_application_configs",
    metadata,
    _tenant(),
    _app(),
    Column("attribute_mapping", Json, nullable=False),
    Column("entity_id", String(128), nullable=True),
    Column("acs_url", Json, nullable=True),
    Column("encryption", Json, nullable=True),
    Column("name_id_format", String(128), nullable=False),
    PrimaryKeyConstraint("tenant_id", "application_id"),
)

saml_application_secrets = Table(
    "saml_application_secrets",
    metadata,
    _tenant(),
    Column("id", String(21), nullable=False),
    _app(),
    Column("sealed_private_key", Text, nullable=False),
    Column("certificate", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    PrimaryKeyConstraint("tenant_id", "application_id", "id"),
    # At most one active secret per application (Logto's partial unique index).
    Index(
        "uq_saml_application_secrets_active",
        "tenant_id",
        "application_id",
        unique=True,
        sqlite_where=text("active"),
        postgresql_where=text("active"),
    ),
)

saml_application_sessions = Table(
    "saml_application_sessions",
    metadata,
    _tenant(),
    Column("id", String(32), nullable=False),
    _app(),
    Column("saml_request_id", String(128), nullable=False),
    Column("oidc_state", String(32), nullable=True),
    Column("relay_state", String(512), nullable=True),
    Column("raw_auth_request", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
)
