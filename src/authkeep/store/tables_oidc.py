"""End-user OIDC state: oidc-provider's model instances (Logto's `oidc_model_instances`), the
Verification API's records and the sentinel's sign-in attempts.

Instances keyed by a bearer secret (AccessToken, RefreshToken, AuthorizationCode, Session) are
stored under the secret's digest (`oidc/opaque.digest`), never the secret itself. Interactions are
stored under their uid, which appears in URLs and is not a secret (the browser's cookie binds it).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, PrimaryKeyConstraint, String, Table

from authkeep.store.tables import Json, metadata


def _tenant() -> Column:  # type: ignore[type-arg]
    return Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


# model_name: Session, Interaction, Grant, AuthorizationCode, AccessToken, RefreshToken.
# A user's or an application's deletion removes their rows (tokens die with them).
oidc_model_instances = Table(
    "oidc_model_instances",
    metadata,
    _tenant(),
    Column("model_name", String(64), nullable=False),
    Column("id", String(128), nullable=False),
    Column("grant_id", String(128), nullable=True),
    Column("account_id", String(12), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("client_id", String(21), ForeignKey("applications.id", ondelete="CASCADE"), nullable=True),
    Column("payload", Json, nullable=False),
    Column("expires_at", BigInteger, nullable=False),  # ms
    Column("consumed_at", BigInteger, nullable=True),  # ms
    PrimaryKeyConstraint("tenant_id", "model_name", "id"),
    Index(None, "tenant_id", "grant_id"),
    Index(None, "tenant_id", "account_id", "model_name"),
    Index(None, "expires_at"),
)

# The Verification API's persisted records (Logto's `verification_records`).
verification_records = Table(
    "verification_records",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("user_id", String(12), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("data", Json, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "tenant_id", "user_id"),
)

# Failed and successful sign-in attempts per target (Logto's `sentinel_activities`), for lockouts.
sentinel_activities = Table(
    "sentinel_activities",
    metadata,
    _tenant(),
    Column("id", String(21), primary_key=True),
    Column("target_type", String(32), nullable=False),  # User | App | Ip
    Column("target_hash", String(64), nullable=False),
    Column("action", String(64), nullable=False),  # Password | VerificationCode | ...
    Column("action_result", String(32), nullable=False),  # Success | Failed
    Column("payload", Json, nullable=False),
    Column("decision", String(32), nullable=False),  # Allowed | Blocked | Challenge
    Column("decision_expires_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_sentinel_activities_target", "tenant_id", "target_type", "target_hash", "action", "created_at"),
)
