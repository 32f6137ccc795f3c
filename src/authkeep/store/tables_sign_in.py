"""Sign-in configuration tables (migration 0008): one document per tenant for the sign-in
experience and the account center, plus custom phrases, custom profile fields and the captcha
provider."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from authkeep.store.tables import Json, _tenant, metadata


def _tenant_key() -> Column:  # type: ignore[type-arg]
    return Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)


# The whole Logto object (camelCase keys); a missing row means Logto's seed defaults.
sign_in_experiences = Table(
    "sign_in_experiences",
    metadata,
    _tenant_key(),
    Column("data", Json, nullable=False),
)

account_centers = Table(
    "account_centers",
    metadata,
    _tenant_key(),
    Column("data", Json, nullable=False),
)

custom_phrases = Table(
    "custom_phrases",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("language_tag", String(16), nullable=False),
    Column("translation", Json, nullable=False),
    UniqueConstraint("tenant_id", "language_tag"),
)

custom_profile_fields = Table(
    "custom_profile_fields",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("type", String(128), nullable=False),
    Column("label", String(128), nullable=False),
    Column("description", String(256), nullable=True),
    Column("required", Boolean, nullable=False),
    Column("config", Json, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("sie_order", SmallInteger, nullable=False),
    UniqueConstraint("tenant_id", "name"),
)

captcha_providers = Table(
    "captcha_providers",
    metadata,
    _tenant_key(),
    Column("id", String(128), nullable=False),
    Column("config", Text, nullable=False),  # sealed JSON: it holds the secret key
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
