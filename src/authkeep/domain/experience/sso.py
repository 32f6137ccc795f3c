"""Enterprise SSO in the Experience API (Logto's EnterpriseSsoVerification and its uses in
ExperienceInteraction, SignInExperienceValidator and ProvisionLibrary): which connectors serve an
e-mail's domain, who a verified SSO identity is, the profile of a new or linked user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.domain import sso_connectors as rules
from authkeep.errors import LogtoError
from authkeep.store import experience as experience_store
from authkeep.store import sso_connectors as connectors_store
from authkeep.store import sso_signin as store
from authkeep.store import users as users_store


def supported(row: Row[Any] | None, connector_id: str) -> Row[Any]:
    """Logto's getSsoConnectorById: 404 for an unknown id, 404 `connector.not_found` for a
    provider it does not know."""
    if row is None:
        raise LogtoError("entity.not_exists_with_id", 404, name="sso_connectors", id=connector_id)
    if rules.provider(row.provider_name) is None:
        raise LogtoError("connector.not_found", 404, message="Cannot find any available connector for type: {{type}}.")
    return row


async def available_connectors(conn: AsyncConnection, tenant_id: str) -> list[Row[Any]]:
    """Logto's getAvailableSsoConnectors: known provider, valid config, some domain."""
    rows, _ = await connectors_store.list_connectors(conn, tenant_id, None)
    return [
        r for r in rows
        if rules.provider(r.provider_name) is not None and r.domains
        and rules.try_parse_config(r.provider_name, r.config or {}) is not None
    ]  # fmt: skip


async def enabled_connectors(conn: AsyncConnection, tenant_id: str, sie: dict[str, Any], email: str) -> list[Row[Any]]:
    """Logto's getEnabledSsoConnectorsByEmail: with SSO on, the available connectors listing the
    e-mail's domain."""
    domain = email.split("@", 1)[1].lower() if "@" in email else ""
    if not sie.get("singleSignOnEnabled") or not domain:
        return []
    found = await available_connectors(conn, tenant_id)
    return [r for r in found if domain in [str(d).lower() for d in r.domains]]


def public_metadata(row: Row[Any]) -> dict[str, Any]:
    """An item of the sign-in experience's `ssoConnectors` (Logto's SsoConnectorMetadata; every
    provider's name has only its English form)."""
    provider = rules.providers()[row.provider_name]
    branding = row.branding or {}

    def pick(key: str, default: str) -> Any:
        return branding[key] if branding.get(key) is not None else default

    return {
        "id": row.id,
        "connectorName": pick("displayName", provider["name"]["en"]),
        "logo": pick("logo", provider["logo"]),
        "darkLogo": pick("darkLogo", provider["logoDark"]),
    }


def email_of_record(record: dict[str, Any]) -> str | None:
    kind = record.get("type")
    if kind in ("Password", "OneTimeToken", "EmailVerificationCode", "PhoneVerificationCode"):
        identifier = record.get("identifier") or {}
        return identifier.get("value") if identifier.get("type") == "email" else None
    if kind == "Social":
        return (record.get("socialUserInfo") or {}).get("email")
    return None


async def guard_sso_only_email(conn: AsyncConnection, tenant_id: str, sie: dict[str, Any], record: dict[str, Any]) -> None:
    """422 `session.sso_enabled` when the record's e-mail belongs to an SSO domain. Logto lists
    the whole connectors in `data`; authkeep leaves their config (client secrets) out."""
    email = email_of_record(record)
    if not email:
        return
    found = await enabled_connectors(conn, tenant_id, sie, email)
    if found:
        public = [{k: v for k, v in connectors_store.out(r).items() if k != "config"} for r in found]
        raise LogtoError("session.sso_enabled", 422, data={"ssoConnectors": public})


def _identity(record: dict[str, Any]) -> dict[str, Any]:
    info = record.get("enterpriseSsoUserInfo")
    if not info or not record.get("issuer"):
        raise LogtoError("session.verification_failed", 400)
    if len(str(info["id"])) > 128 or len(record["issuer"]) > 256:  # the columns' sizes, on every backend
        raise LogtoError("entity.value_too_long", 422)
    return {"issuer": record["issuer"], "ssoConnectorId": record["connectorId"], "identityId": info["id"], "detail": info}


def _synced(info: dict[str, Any], sync_profile: bool) -> dict[str, Any]:
    if not sync_profile:
        return {}
    return {k: info[k] for k in ("name", "avatar") if info.get(k)}


async def identify(
    conn: AsyncConnection, tenant_id: str, record: dict[str, Any], sync_profile: bool
) -> tuple[Row[Any], dict[str, Any]]:
    """(the user, the profile to apply at submit): the holder of the SSO identity (its detail
    re-synced), else the user with the identity's e-mail (the identity linked to them), else 404
    `user.sso_identity_not_exist`."""
    identity = _identity(record)
    info = identity["detail"]
    found = await store.find_identity(conn, tenant_id, identity["issuer"], identity["identityId"])
    if found is not None:
        user = await users_store.find_user(conn, tenant_id, found.user_id)
        if user is not None:
            return user, {"syncedEnterpriseSsoIdentity": identity, **_synced(info, sync_profile)}
    email = info.get("email")
    if email:
        user = await experience_store.find_user_by_identifier(conn, tenant_id, "email", email, (), True)
        if user is not None:
            return user, {"enterpriseSsoIdentity": identity, **_synced(info, sync_profile)}
    raise LogtoError("user.sso_identity_not_exist", 404)


def new_user_profile(record: dict[str, Any]) -> dict[str, Any]:
    """The identity, and the IdP's e-mail, name and avatar (Logto's toSyncedProfile(true))."""
    identity = _identity(record)
    info = identity["detail"]
    profile: dict[str, Any] = {"enterpriseSsoIdentity": identity}
    for key, field in (("email", "primaryEmail"), ("name", "name"), ("avatar", "avatar")):
        if isinstance(info.get(key), str) and info[key]:
            profile[field] = info[key]
    return profile


async def guard_identity_free(conn: AsyncConnection, tenant_id: str, profile: dict[str, Any]) -> None:
    identity = profile.get("enterpriseSsoIdentity")
    if isinstance(identity, dict) and await store.find_identity(conn, tenant_id, identity["issuer"], identity["identityId"]):
        raise LogtoError("user.identity_already_in_use", 422)


async def attach(conn: AsyncConnection, tenant_id: str, user_id: str, profile: dict[str, Any]) -> list[str]:
    """At submit or registration: store a new identity (and join the connector's JIT
    organizations), or refresh a known identity's detail. The organizations newly joined."""
    synced = profile.get("syncedEnterpriseSsoIdentity")
    if isinstance(synced, dict):
        await store.update_detail(conn, tenant_id, synced["issuer"], synced["identityId"], synced["detail"])
    identity = profile.get("enterpriseSsoIdentity")
    if not isinstance(identity, dict):
        return []
    await store.insert_identity(conn, tenant_id, user_id, identity)
    return await store.provision(conn, tenant_id, user_id, identity["ssoConnectorId"])
