"""What Logto asks an enterprise identity provider when a connector is saved or read: the OIDC
discovery document, the SAML IdP metadata (fetched, given as XML, or given field by field), and
the SAML SP signing keys it generates. Failures are Logto's SsoConnectorError answers: 400
`connector.invalid_config` / `invalid_metadata` / `invalid_certificate` with `ssoErrorCode`."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from authkeep import clock
from authkeep.domain import sso_connectors as rules
from authkeep.errors import LogtoError

FETCH_TIMEOUT_S = 5.0  # per IdP request (got, in Logto, has none)
MAX_DOCUMENT_BYTES = 1024 * 1024
KEY_LIFE_YEARS = 3  # Logto's signingKeyLifeSpanInYears
_DISCOVERY_FIELDS = (
    ("authorization_endpoint", "authorizationEndpoint", True),
    ("token_endpoint", "tokenEndpoint", True),
    ("userinfo_endpoint", "userinfoEndpoint", False),
    ("jwks_uri", "jwksUri", True),
    ("issuer", "issuer", True),
)
_MD = "urn:oasis:names:tc:SAML:2.0:metadata"
_DS = "http://www.w3.org/2000/09/xmldsig#"
_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"


def _error(code: str, **data: Any) -> LogtoError:
    return LogtoError(f"connector.{code}", 400, data={"ssoErrorCode": code, **data})


def _transport_error(exc: Exception) -> dict[str, Any]:
    # Logto answers got's error object; its fields cannot be reproduced, its name can.
    return {"name": "RequestError", "message": type(exc).__name__}


async def _get(url: str) -> httpx.Response:
    """The response, its body read up to MAX_DOCUMENT_BYTES (more is a failure to fetch)."""
    body = bytearray()
    async with (
        httpx.AsyncClient(timeout=FETCH_TIMEOUT_S, follow_redirects=True) as client,
        client.stream("GET", url) as response,
    ):
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_DOCUMENT_BYTES:
                raise httpx.HTTPError("document too large")
    return httpx.Response(response.status_code, headers=response.headers, content=bytes(body))


# --- OIDC ----------------------------------------------------------------------------------


async def fetch_discovery(issuer: str) -> dict[str, Any]:
    """`{issuer}/.well-known/openid-configuration`, camel-cased, only the fields Logto keeps."""
    config = {"issuer": issuer}
    try:
        response = await _get(f"{issuer}/.well-known/openid-configuration")
    except Exception as exc:  # noqa: BLE001  (any failure to fetch: Logto wraps whatever got threw)
        raise _error("invalid_config", config=config, message="fail_to_fetch_config", error=_transport_error(exc)) from None
    if response.status_code >= 300:
        raise _error("invalid_config", config=config, message="fail_to_fetch_config", error=response.text)
    try:
        body = response.json()
    except ValueError:
        raise _error(
            "invalid_config", config=config, message="fail_to_fetch_config",
            error={"code": "invalid_response", "data": response.text},
        ) from None
    out: dict[str, Any] = {}
    missing: dict[str, list[str]] = {}
    for wire, camel, required in _DISCOVERY_FIELDS:
        value = body.get(wire) if isinstance(body, dict) else None
        if isinstance(value, str):
            out[camel] = value
        elif value is not None or required:
            missing[wire] = ["Required" if value is None else f"Expected string, received {type(value).__name__}"]
    if missing:
        flat = {"formErrors": [], "fieldErrors": missing} if isinstance(body, dict) else {"formErrors": ["Expected object"], "fieldErrors": {}}
        raise _error("invalid_config", config=config, message="invalid_config_response", error=flat)
    return out


async def oidc_provider_config(provider_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Logto's getOidcConfig: the stored config, the discovery fields, the processed scope."""
    parsed = rules.try_parse_config(provider_name, config)
    if parsed is None:
        raise _error("invalid_config", config=config, message="invalid_connector_config")
    if provider_name == "GoogleWorkspace":
        parsed = {k: v for k, v in parsed.items() if k != "offlineAccess"} | {"issuer": "https://accounts.google.com"}
    discovery = await fetch_discovery(parsed["issuer"])
    return {**parsed, **discovery, "scope": rules.scope_of(parsed.get("scope"))}


# --- SAML ----------------------------------------------------------------------------------


def _certificate(raw: str, config: dict[str, Any]) -> x509.Certificate:
    body = re.sub(r"-----(BEGIN|END) CERTIFICATE-----|\s", "", raw)
    try:
        return x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except ValueError:
        raise _error("invalid_certificate", config=config, error={}) from None


def _idp_metadata(entity_id: Any, endpoint: Any, raw_cert: str) -> dict[str, Any]:
    config = {"entityId": entity_id, "signInEndpoint": endpoint, "x509Certificate": raw_cert}
    cert = _certificate(raw_cert, config)
    expires = int(cert.not_valid_after_utc.timestamp() * 1000)
    if not isinstance(entity_id, str) or not isinstance(endpoint, str):
        raise _error("invalid_metadata", message="invalid_connector_config", metadata=config)
    return {
        "entityId": entity_id,
        "signInEndpoint": endpoint,
        "x509Certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "certificateExpiresAt": expires,
        "isCertificateValid": expires > clock.now_ms(),
    }


def parse_metadata_xml(xml: str) -> dict[str, Any]:
    """entityID, the HTTP-Redirect SingleSignOnService and the signing certificate of an IdP's
    metadata. ElementTree never fetches external entities; expat bounds entity expansion."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        raise _error("invalid_metadata", message="invalid_saml_xml_metadata", metadata=xml) from None
    descriptor = root.find(f".//{{{_MD}}}IDPSSODescriptor")
    scope = descriptor if descriptor is not None else root
    endpoint = next(
        (s.get("Location") for s in scope.iter(f"{{{_MD}}}SingleSignOnService") if s.get("Binding") == _REDIRECT), None
    )
    cert = ""
    for key in scope.iter(f"{{{_MD}}}KeyDescriptor"):
        if key.get("use") in (None, "signing"):
            found = key.find(f".//{{{_DS}}}X509Certificate")
            if found is not None and found.text:
                cert = found.text
                break
    return _idp_metadata(root.get("entityID"), endpoint, cert)


async def saml_idp_metadata(config: dict[str, Any]) -> dict[str, Any]:
    """Logto's getSamlIdpMetadata for a parsed SAML config."""
    if "metadataUrl" in config:
        try:
            response = await _get(config["metadataUrl"])
        except Exception as exc:  # noqa: BLE001
            raise _error("invalid_metadata", message="fail_to_fetch_config", error=_transport_error(exc)) from None
        if response.status_code >= 300:
            raise _error("invalid_metadata", message="fail_to_fetch_config", error=response.text)
        return parse_metadata_xml(response.text)
    if "metadata" in config:
        return parse_metadata_xml(config["metadata"])
    return _idp_metadata(config["entityId"], config["signInEndpoint"], config["x509Certificate"])


async def saml_provider_config(endpoint: str, connector_id: str, config: dict[str, Any]) -> dict[str, Any]:
    """Logto's SamlSsoConnector.getConfig: the IdP part only when it can be read."""
    out: dict[str, Any] = {
        "defaultAttributeMapping": dict(rules.DEFAULT_ATTRIBUTE_MAPPING),
        "serviceProvider": rules.sp_metadata(endpoint, connector_id),
    }
    parsed = rules.try_parse_config("SAML", config)
    if parsed is not None:
        try:
            out["identityProvider"] = await saml_idp_metadata(parsed)
        except LogtoError:
            pass
    return out


async def validate_connection(provider_name: str, config: dict[str, Any]) -> None:
    """Logto's validateConnectorConfigConnectionStatus (config already parsed)."""
    if rules.providers()[provider_name]["providerType"] == rules.SAML:
        await saml_idp_metadata(config)
    else:
        await oidc_provider_config(provider_name, config)


async def provider_config(endpoint: str, connector: dict[str, Any]) -> dict[str, Any] | None:
    """The `providerConfig` of a read: None when the IdP cannot be asked (Logto's trySafe)."""
    try:
        if rules.providers()[connector["providerName"]]["providerType"] == rules.SAML:
            return await saml_provider_config(endpoint, connector["id"], connector["config"])
        return await oidc_provider_config(connector["providerName"], connector["config"])
    except LogtoError:
        return None


# --- SP signing keys -----------------------------------------------------------------------


def generate_signing_key() -> tuple[str, str, int]:
    """(private key PEM, self-signed certificate PEM, expiry ms): RSA 4096, SHA-256, 3 years,
    subject CN=logto.io, O=Logto, C=US as Logto's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "logto.io"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Logto"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
    ])
    now = dt.datetime.fromtimestamp(clock.now_ms() / 1000, dt.UTC)
    not_after = now.replace(year=now.year + KEY_LIFE_YEARS) if not (now.month == 2 and now.day == 29) else now + dt.timedelta(days=365 * KEY_LIFE_YEARS + 1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(os.urandom(16), "big") >> 1)
        .not_valid_before(now)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return private_pem, cert.public_bytes(serialization.Encoding.PEM).decode(), int(not_after.timestamp() * 1000)


def fingerprints(certificate_pem: str) -> dict[str, Any]:
    der = x509.load_pem_x509_certificate(certificate_pem.encode()).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return {"sha256": {"formatted": ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)), "unformatted": digest}}
