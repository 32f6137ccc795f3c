"""Row -> wire shape (camelCase, Logto's key order). One place per entity, shared by all routes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from authkeep.store import tables as T

INTERNAL_SECRET_PREFIX = "#internal:"


def application(row: Row[Any] | dict[str, Any], legacy_secret: str | None = None) -> dict[str, Any]:
    """`legacy_secret` is the decrypted `applications.secret` when it is not internal (logto-facts §1)."""
    r = row._mapping if isinstance(row, Row) else row
    out: dict[str, Any] = {"tenantId": r["tenant_id"], "id": r["id"], "name": r["name"]}
    if legacy_secret and not legacy_secret.startswith(INTERNAL_SECRET_PREFIX):
        out["secret"] = legacy_secret
    out.update(
        description=r["description"],
        type=r["type"],
        oidcClientMetadata=r["oidc_client_metadata"],
        customClientMetadata=r["custom_client_metadata"],
        protectedAppMetadata=r["protected_app_metadata"],
        customData=r["custom_data"],
        isThirdParty=r["is_third_party"],
        appLevelAccessControlEnabled=r["app_level_access_control_enabled"],
        createdAt=r["created_at"],
    )
    return out


def role(row: Row[Any] | dict[str, Any]) -> dict[str, Any]:
    r = row._mapping if isinstance(row, Row) else row
    return {
        "tenantId": r["tenant_id"],
        "id": r["id"],
        "name": r["name"],
        "description": r["description"],
        "type": r["type"],
        "isDefault": r["is_default"],
    }


def resource(row: Row[Any] | dict[str, Any]) -> dict[str, Any]:
    r = row._mapping if isinstance(row, Row) else row
    return {
        "tenantId": r["tenant_id"],
        "id": r["id"],
        "name": r["name"],
        "indicator": r["indicator"],
        "isDefault": r["is_default"],
        "accessTokenTtl": r["access_token_ttl"],
    }


def scope(row: Row[Any] | dict[str, Any]) -> dict[str, Any]:
    r = row._mapping if isinstance(row, Row) else row
    return {
        "tenantId": r["tenant_id"],
        "id": r["id"],
        "resourceId": r["resource_id"],
        "name": r["name"],
        "description": r["description"],
        "createdAt": r["created_at"],
    }


# Columns a user response is built from (Logto's userInfoSelectFields); no tenantId, no hashes.
USER_INFO_COLUMNS = (
    T.users.c.id,
    T.users.c.username,
    T.users.c.primary_email,
    T.users.c.primary_phone,
    T.users.c.name,
    T.users.c.avatar,
    T.users.c.custom_data,
    T.users.c.identities,
    T.users.c.last_sign_in_at,
    T.users.c.created_at,
    T.users.c.updated_at,
    T.users.c.profile,
    T.users.c.application_id,
    T.users.c.is_suspended,
    T.users.c.password_encrypted,
)


def user_info(row: Row[Any] | dict[str, Any]) -> dict[str, Any]:
    r = row._mapping if isinstance(row, Row) else row
    return {
        "id": r["id"],
        "username": r["username"],
        "primaryEmail": r["primary_email"],
        "primaryPhone": r["primary_phone"],
        "name": r["name"],
        "avatar": r["avatar"],
        "customData": r["custom_data"],
        "identities": r["identities"],
        "lastSignInAt": r["last_sign_in_at"],
        "createdAt": r["created_at"],
        "updatedAt": r["updated_at"],
        "profile": r["profile"],
        "applicationId": r["application_id"],
        "cimdClientId": None,  # no CIMD clients in authkeep
        "isSuspended": r["is_suspended"],
        "hasPassword": r["password_encrypted"] is not None,
    }
