"""Connectors, verification codes (Logto's `passcodes`), one-time tokens and e-mail templates.

Secrets never sit in clear text: a connector's secret config values are sealed together in
`sealed_secrets` (SecretBox, bound to tenant and connector id) and one-time tokens are kept sealed
with a sha256 for lookup (Logto answers them on GET, so they must be recoverable).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from authkeep.store.tables import Json, metadata


def _tenant() -> Column:  # type: ignore[type-arg]
    return Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


connectors = Table(
    "connectors",
    metadata,
    _tenant(),
    Column("id", String(128), nullable=False),
    Column("connector_id", String(128), nullable=False),  # the factory
    Column("config", Json, nullable=False),  # without the secret values
    Column("sealed_secrets", Text, nullable=True),
    Column("metadata", Json, nullable=False),
    Column("sync_profile", Boolean, nullable=False, default=False),
    Column("enable_token_storage", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
)

passcodes = Table(
    "passcodes",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("interaction_jti", String(128), nullable=True),
    Column("phone", String(32), nullable=True),
    Column("email", String(128), nullable=True),
    Column("type", String(32), nullable=False),
    Column("code", String(6), nullable=False),
    Column("consumed", Boolean, nullable=False, default=False),
    Column("try_count", SmallInteger, nullable=False, default=0),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_passcodes_email", "tenant_id", "email", "type"),
    Index("ix_passcodes_phone", "tenant_id", "phone", "type"),
)

one_time_tokens = Table(
    "one_time_tokens",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("email", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("sealed_token", Text, nullable=False),
    Column("context", Json, nullable=False),
    Column("status", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "token_hash", name="uq_one_time_tokens_token_hash"),
    Index("ix_one_time_tokens_email", "tenant_id", "email", "status"),
)

email_templates = Table(
    "email_templates",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("language_tag", String(16), nullable=False),
    Column("template_type", String(64), nullable=False),
    Column("details", Json, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "language_tag", "template_type", name="uq_email_templates_type"),
)
