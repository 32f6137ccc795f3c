"""User claims per scope (logto-user-flows-facts §3, Logto's `scope.ts`): userinfo gets every
granted scope's claims; the ID token leaves the extended ones out unless the ID-token config
enables them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store import oidc_users

OIDC_SCOPES = (
    "openid", "offline_access", "profile", "email", "phone", "address", "custom_data", "identities", "roles",
    "urn:logto:scope:organizations", "urn:logto:scope:organization_roles", "urn:logto:scope:sessions",
    "urn:logto:scope:trusted_devices",
)  # fmt: skip
_PROFILE_KEYS = {
    "family_name": "familyName", "given_name": "givenName", "middle_name": "middleName", "nickname": "nickname",
    "profile": "profile", "website": "website", "gender": "gender", "birthdate": "birthdate",
    "zoneinfo": "zoneinfo", "locale": "locale",
}  # fmt: skip
EXTENDED = {
    "custom_data": ("custom_data",),
    "identities": ("identities", "sso_identities"),
    "roles": ("roles",),
    "urn:logto:scope:organizations": ("organizations", "organization_data"),
    "urn:logto:scope:organization_roles": ("organization_roles",),
}
CLAIMS_SUPPORTED = [
    "sub", "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
    "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "username", "created_at",
    "email", "email_verified", "phone_number", "phone_number_verified", "address", "custom_data", "identities",
    "sso_identities", "roles", "organizations", "organization_data", "organization_roles", "iss",
]  # fmt: skip


def _base(user: dict[str, Any], scopes: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"sub": user["id"]}
    profile = user.get("profile") or {}
    if "profile" in scopes:
        out["name"] = user.get("name")
        for claim, key in _PROFILE_KEYS.items():
            if profile.get(key) is not None:
                out[claim] = profile[key]
        out["preferred_username"] = profile.get("preferredUsername") or user.get("username")
        out["picture"] = user.get("avatar")
        out["username"] = user.get("username")
        out["created_at"] = user.get("created_at")
        out["updated_at"] = user.get("updated_at")
    if "email" in scopes:
        out["email"] = user.get("primary_email")
        out["email_verified"] = bool(user.get("primary_email"))
    if "phone" in scopes:
        out["phone_number"] = user.get("primary_phone")
        out["phone_number_verified"] = bool(user.get("primary_phone"))
    if "address" in scopes and profile.get("address") is not None:
        out["address"] = profile["address"]
    return out


async def _extended(conn: AsyncConnection, tenant_id: str, user: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "custom_data" in wanted:
        out["custom_data"] = user.get("custom_data") or {}
    if "identities" in wanted:
        out["identities"] = user.get("identities") or {}
    if "sso_identities" in wanted:
        out["sso_identities"] = await oidc_users.sso_identities(conn, tenant_id, user["id"])
    if "roles" in wanted:
        out["roles"] = await oidc_users.role_names(conn, tenant_id, user["id"])
    if wanted & {"organizations", "organization_data", "organization_roles"}:
        orgs, roles = await oidc_users.organizations_of(conn, tenant_id, user["id"])
        if "organizations" in wanted:
            out["organizations"] = [o["id"] for o in orgs]
        if "organization_data" in wanted:
            out["organization_data"] = orgs
        if "organization_roles" in wanted:
            out["organization_roles"] = roles
    return out


async def userinfo(conn: AsyncConnection, tenant_id: str, user: dict[str, Any], scopes: set[str]) -> dict[str, Any]:
    wanted = {c for s in scopes for c in EXTENDED.get(s, ())}
    return {**_base(user, scopes), **await _extended(conn, tenant_id, user, wanted)}


async def id_token_claims(conn: AsyncConnection, tenant_id: str, user: dict[str, Any], scopes: set[str]) -> dict[str, Any]:
    enabled = set(await oidc_users.id_token_claims(conn, tenant_id))
    wanted = {c for s in scopes for c in EXTENDED.get(s, ()) if c in enabled}
    return {**_base(user, scopes), **await _extended(conn, tenant_id, user, wanted)}
