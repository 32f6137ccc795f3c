"""The tenant-level consent ceiling for OAuth Client ID Metadata Document (CIMD) clients (Logto's
`cimd_*_scopes`): allowlists of user, resource, organization and organization resource scopes."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, PrimaryKeyConstraint, String, Table

from authkeep.store.tables import metadata


def _tenant() -> Column:  # type: ignore[type-arg]
    return Column("tenant_id", String(21), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def _ref(name: str, target: str) -> Column:  # type: ignore[type-arg]
    return Column(name, String(21), ForeignKey(target, ondelete="CASCADE"), nullable=False)


cimd_user_scopes = Table(
    "cimd_user_scopes", metadata, _tenant(), Column("user_scope", String(64), nullable=False),
    PrimaryKeyConstraint("tenant_id", "user_scope"),
)  # fmt: skip
cimd_resource_scopes = Table(
    "cimd_resource_scopes", metadata, _tenant(), _ref("scope_id", "scopes.id"),
    PrimaryKeyConstraint("tenant_id", "scope_id"),
)  # fmt: skip
cimd_organization_scopes = Table(
    "cimd_organization_scopes", metadata, _tenant(), _ref("organization_scope_id", "organization_scopes.id"),
    PrimaryKeyConstraint("tenant_id", "organization_scope_id"),
)  # fmt: skip
cimd_organization_resource_scopes = Table(
    "cimd_organization_resource_scopes", metadata, _tenant(), _ref("scope_id", "scopes.id"),
    PrimaryKeyConstraint("tenant_id", "scope_id"),
)  # fmt: skip
