"""Idempotency keys of POST requests (api/idempotency.py): one row per (tenant, client, subject,
key), holding the request's fingerprint and, once answered, the response to replay."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
)

from authkeep.store.tables import Json, metadata

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", String(256), nullable=False),  # the token's client id
    Column("subject", String(256), nullable=False),  # "" for an app's own token, else the user
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # sha256 of method, path, query and body
    Column("owner", String(32), nullable=True),  # the request holding the key; None once answered
    Column("committed", Boolean, nullable=False),  # the owner's effect has committed
    Column("status", SmallInteger, nullable=True),  # None while in progress
    Column("body", LargeBinary, nullable=True),
    Column("headers", Json, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("locked_until", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "client_id", "subject", "key"),
    Index("ix_idempotency_keys_expires_at", "expires_at"),
)
