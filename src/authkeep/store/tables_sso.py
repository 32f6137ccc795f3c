"""Enterprise SSO connectors' SAML SP signing keys (Logto's `saml_sso_connector_signing_keys`).

The connectors themselves (`sso_connectors`) and their JIT links are in tables.py (migration 0003).
A key's private part is sealed at rest (SecretBox, bound to tenant, connector and key id); Logto
keeps it in plain text and never answers it.
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

from authkeep.store.tables import metadata

sso_connector_signing_keys = Table(
    "sso_connector_signing_keys",
    metadata,
    Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("id", String(21), nullable=False),
    Column("sso_connector_id", String(128), ForeignKey("sso_connectors.id", ondelete="CASCADE"), nullable=False),
    Column("sealed_private_key", Text, nullable=False),
    Column("certificate", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    PrimaryKeyConstraint("tenant_id", "sso_connector_id", "id"),
    # At most one active key per connector (Logto's partial unique index).
    Index(
        "uq_sso_connector_signing_keys_active",
        "tenant_id",
        "sso_connector_id",
        unique=True,
        sqlite_where=text("active"),
        postgresql_where=text("active"),
    ),
)
