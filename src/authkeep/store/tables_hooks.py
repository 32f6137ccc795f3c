"""Webhooks, their outbox (events waiting for delivery) and the audit log (Logto's `logs`).

A hook's signing key is sealed at rest (SecretBox, bound to tenant and hook id); Logto answers it
in clear text on GET, so it must be recoverable, never hashed.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)

from authkeep.store.tables import Json, metadata


def _tenant() -> Column:  # type: ignore[type-arg]
    return Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


hooks = Table(
    "hooks",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("name", String(256), nullable=False, default=""),
    Column("event", String(128), nullable=True),  # Logto's deprecated single event
    Column("events", Json, nullable=False),
    Column("config", Json, nullable=False),  # {url, headers?, retries?}
    Column("sealed_signing_key", Text, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "tenant_id", "created_at"),
)

# One row per (event, hook) to deliver. Written in the transaction of the change that caused it;
# `ready` once the request's answer (status, data) is known; deleted once delivered or given up.
hook_outbox = Table(
    "hook_outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    _tenant(),
    Column("hook_id", String(21), ForeignKey("hooks.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(128), nullable=False),
    Column("context", Json, nullable=False),  # the payload's fields known before commit, in order
    Column("status", SmallInteger, nullable=True),
    Column("data", Json, nullable=True),
    Column("ready", Boolean, nullable=False, default=False),
    Column("attempts", SmallInteger, nullable=False, default=0),
    Column("due_at", BigInteger, nullable=False),  # ms; also the lease of a claimed row
    Column("created_at", BigInteger, nullable=False),
    Index(None, "due_at"),
)

logs = Table(
    "logs",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("key", String(128), nullable=False),
    Column("payload", Json, nullable=False),
    Column("hook_id", String(21), nullable=True),  # payload.hookId, indexed for recent-logs
    Column("user_id", String(21), nullable=True),
    Column("application_id", String(256), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "tenant_id", "created_at"),
    Index(None, "tenant_id", "hook_id", "created_at"),
    Index(None, "tenant_id", "key"),
)
