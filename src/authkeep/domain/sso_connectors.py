"""Enterprise SSO connector rules (Logto's `routes/sso-connector` and `sso/*` factories): the
providers, config validation per provider, email domains, the wire shapes with provider details.
Talking to the identity provider (discovery, SAML metadata) is in domain/sso_idp.py."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from authkeep.errors import LogtoError

OIDC, SAML = "oidc", "saml"
# Logto's singleSignOnDomainBlackList (public email providers).
BLOCKED_DOMAINS = frozenset({
    "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "icloud.com", "aol.com",
    "yandex.com", "mail.com", "protonmail.com", "yanex.com", "gmx.com", "mail.ru", "zoho.com",
    "qq.com", "163.com", "126.com", "sina.com", "sohu.com",
})
SIGNATURE_ALGORITHMS = (
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
)
DEFAULT_ATTRIBUTE_MAPPING = {"id": "nameID", "email": "email", "name": "name"}
REQUIRED_SCOPES = ("openid", "profile", "email")


@cache
def providers() -> dict[str, dict[str, Any]]:
    """Logto 1.42's factories in its order: name, type, logos, names and descriptions by locale."""
    data = json.loads((Path(__file__).parent / "sso_providers.json").read_text())
    return {p["providerName"]: p for p in data}


def provider(name: str) -> dict[str, Any] | None:
    return providers().get(name)


def _localized(phrases: dict[str, str], locale: str) -> str:
    return phrases.get(locale) or phrases["en"]


def provider_detail(p: dict[str, Any], locale: str) -> dict[str, Any]:
    """One item of `GET /sso-connector-providers`."""
    return {
        "providerName": p["providerName"],
        "providerType": p["providerType"],
        "logo": p["logo"],
        "logoDark": p["logoDark"],
        "description": _localized(p["description"], locale),
        "name": _localized(p["name"], locale),
    }


def pick_locale(accepted: list[str]) -> str:
    """The first accepted language the provider phrases know (exact, then its primary subtag)."""
    known = set(providers()["OIDC"]["description"])
    lowered = {k.lower(): k for k in known}
    for tag in accepted:
        if tag.lower() in lowered:
            return lowered[tag.lower()]
        primary = tag.split("-")[0].lower()
        if primary in lowered:
            return lowered[primary]
    return "en"


def with_provider(connector: dict[str, Any], locale: str, provider_config: dict[str, Any] | None) -> dict[str, Any]:
    """Logto's SsoConnectorWithProviderConfig: the row plus its provider's static details and, when
    it could be fetched or parsed, the IdP's config."""
    p = providers()[connector["providerName"]]
    out = {
        **connector,
        "name": _localized(p["name"], locale),
        "providerType": p["providerType"],
        "providerLogo": p["logo"],
        "providerLogoDark": p["logoDark"],
    }
    if provider_config is not None:
        out["providerConfig"] = provider_config
    return out


# --- domains ---------------------------------------------------------------------------------


def normalize_domains(domains: list[str] | None) -> list[str] | None:
    """Lower-cased; a public email domain or a repeat is a 422 carrying the offending domains."""
    if domains is None:
        return None
    lowered = [d.lower() for d in domains]
    forbidden = list(dict.fromkeys(d for d in lowered if d in BLOCKED_DOMAINS))
    if forbidden:
        raise LogtoError("single_sign_on.forbidden_domains", 422, data=forbidden)
    seen: set[str] = set()
    duplicated: list[str] = []
    for d in lowered:
        if d in seen and d not in duplicated:
            duplicated.append(d)
        seen.add(d)
    if duplicated:
        raise LogtoError("single_sign_on.duplicated_domains", 422, data=duplicated)
    return lowered


# --- configs (Logto's zod guards: unknown keys dropped, defaults filled) ----------------------


class _Invalid(Exception):
    pass


def _string(config: dict[str, Any], key: str, required: bool) -> str | None:
    if key not in config:
        if required:
            raise _Invalid(key)
        return None
    value = config[key]
    if not isinstance(value, str):
        raise _Invalid(key)
    return value


def _boolean(config: dict[str, Any], key: str) -> bool | None:
    if key not in config:
        return None
    if not isinstance(config[key], bool):
        raise _Invalid(key)
    return bool(config[key])


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _oidc(config: dict[str, Any], google: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"clientId": _string(config, "clientId", True), "clientSecret": _string(config, "clientSecret", True)}
    if not google:
        out["issuer"] = _string(config, "issuer", True)
    _put(out, "scope", _string(config, "scope", False))
    trust = _boolean(config, "trustUnverifiedEmail")
    out["trustUnverifiedEmail"] = bool(trust)
    if google:
        _put(out, "offlineAccess", _boolean(config, "offlineAccess"))
    return out


def _saml_tail(config: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    if "attributeMapping" in config:
        mapping = config["attributeMapping"]
        if not isinstance(mapping, dict):
            raise _Invalid("attributeMapping")
        picked: dict[str, Any] = {}
        for key in ("id", "email", "name"):
            _put(picked, key, _string(mapping, key, False))
        out["attributeMapping"] = picked
    _put(out, "signAuthnRequest", _boolean(config, "signAuthnRequest"))
    algorithm = _string(config, "requestSignatureAlgorithm", False)
    if algorithm is not None and algorithm not in SIGNATURE_ALGORITHMS:
        raise _Invalid("requestSignatureAlgorithm")
    _put(out, "requestSignatureAlgorithm", algorithm)
    return out


def _saml(config: dict[str, Any]) -> dict[str, Any]:
    # zod's union: the first branch that parses wins (metadata URL, metadata XML, manual details).
    branches: tuple[tuple[str, ...], ...] = (("metadataUrl",), ("metadata",), ("entityId", "signInEndpoint", "x509Certificate"))
    for keys in branches:
        try:
            head = {k: _string(config, k, True) for k in keys}
            return _saml_tail(config, head)
        except _Invalid:
            continue
    raise _Invalid("config")


def parse_config(provider_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """The config as Logto stores it, or 400 `connector.invalid_config`."""
    p = providers()[provider_name]
    try:
        if p["providerType"] == SAML:
            return _saml(config)
        return _oidc(config, google=provider_name == "GoogleWorkspace")
    except _Invalid:
        raise LogtoError("connector.invalid_config", 400) from None


def try_parse_config(provider_name: str, config: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return parse_config(provider_name, config)
    except LogtoError:
        return None


def sign_authn_request(config: dict[str, Any] | None) -> bool:
    return bool(config and config.get("signAuthnRequest") is True)


def scope_of(scope: str | None) -> str:
    """Logto's scopePostProcessor: openid, profile and email always, then the configured ones."""
    parts = [s for s in (scope or "").replace("+", " ").split(" ") if s]
    return " ".join(dict.fromkeys([*REQUIRED_SCOPES, *parts]))


def sp_metadata(endpoint: str, connector_id: str) -> dict[str, str]:
    """The SAML service provider's entity id and assertion consumer service URL."""
    return {
        "entityId": f"{endpoint}/enterprise-sso/{connector_id}",
        "assertionConsumerServiceUrl": f"{endpoint}/api/authn/single-sign-on/saml/{connector_id}",
    }
