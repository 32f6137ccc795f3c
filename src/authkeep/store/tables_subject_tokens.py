"""Impersonation subject tokens (Logto's `subject_tokens`, RFC 8693 token exchange).

Stored under the token's digest (`oidc/opaque.digest`), never the token itself: the row id is what
an exchanged access token names as its `subjectTokenId`. A user's deletion removes their tokens.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, PrimaryKeyConstraint, String, Table

from authkeep.store.tables import Json, metadata

subject_tokens = Table(
    "subject_tokens",
    metadata,
    Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("id", String(64), nullable=False),
    Column("user_id", String(12), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("context", Json, nullable=False),
    Column("creator_id", String(32), nullable=False),  # the caller's subject: a user or an app (audit only)
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("consumed_at", BigInteger, nullable=True),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index(None, "tenant_id", "user_id"),
    Index(None, "expires_at"),
)
