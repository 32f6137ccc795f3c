"""SAML application rules and request shapes (Logto's routes/saml-application/*.ts,
libraries/saml-application/*.ts and the schemas' saml-application types)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated, Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pydantic import Field, StringConstraints, model_validator

from authkeep import clock
from authkeep.domain.applications import Name256, Url
from authkeep.domain.sso_idp import fingerprints
from authkeep.errors import LogtoError
from authkeep.guard import Body

POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NameIdFormat = Literal[
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
]
OSS_LIMIT = 3  # Logto OSS: at most 3 SAML applications per tenant
DEFAULT_LIFE_YEARS = 3
MAX_LIFE_YEARS = 1000  # keeps the certificate's notAfter a real date (Logto has no bound)
KEY_BITS = 4096  # Logto's node-forge key pair

# userClaims of @logto/core-kit: the scope that carries each claim.
CLAIM_SCOPES = {
    **dict.fromkeys(
        ("name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
         "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "username", "created_at"),
        "profile",
    ),
    "email": "email", "email_verified": "email", "phone_number": "phone", "phone_number_verified": "phone",
    "address": "address", "custom_data": "custom_data", "identities": "identities", "sso_identities": "identities",
    "roles": "roles", "organizations": "urn:logto:scope:organizations",
    "organization_data": "urn:logto:scope:organizations",
    "organization_roles": "urn:logto:scope:organization_roles",
}  # fmt: skip
FALLBACK_ATTRIBUTES = ("sub", "email", "name")


class AttributeMapping(Body):
    """Logto's samlAttributeMappingGuard: every claim optional, unknown keys dropped."""

    sub: str = None  # type: ignore[assignment]
    name: str = None  # type: ignore[assignment]
    given_name: str = None  # type: ignore[assignment]
    family_name: str = None  # type: ignore[assignment]
    middle_name: str = None  # type: ignore[assignment]
    nickname: str = None  # type: ignore[assignment]
    preferred_username: str = None  # type: ignore[assignment]
    profile: str = None  # type: ignore[assignment]
    picture: str = None  # type: ignore[assignment]
    website: str = None  # type: ignore[assignment]
    email: str = None  # type: ignore[assignment]
    email_verified: str = None  # type: ignore[assignment]
    gender: str = None  # type: ignore[assignment]
    birthdate: str = None  # type: ignore[assignment]
    zoneinfo: str = None  # type: ignore[assignment]
    locale: str = None  # type: ignore[assignment]
    phone_number: str = None  # type: ignore[assignment]
    phone_number_verified: str = None  # type: ignore[assignment]
    address: str = None  # type: ignore[assignment]
    updated_at: str = None  # type: ignore[assignment]
    username: str = None  # type: ignore[assignment]
    created_at: str = None  # type: ignore[assignment]
    custom_data: str = None  # type: ignore[assignment]
    identities: str = None  # type: ignore[assignment]
    sso_identities: str = None  # type: ignore[assignment]
    roles: str = None  # type: ignore[assignment]
    organizations: str = None  # type: ignore[assignment]
    organization_data: str = None  # type: ignore[assignment]
    organization_roles: str = None  # type: ignore[assignment]


class AcsUrl(Body):
    binding: Literal[
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
    ]
    url: Url


class Encryption(Body):
    encryptAssertion: bool = None  # type: ignore[assignment]
    encryptThenSign: bool = None  # type: ignore[assignment]
    certificate: str = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _complete(self) -> Encryption:
        if self.encryptAssertion and (self.encryptThenSign is None or self.certificate is None):
            raise ValueError(
                "`encryptThenSign` and `certificate` are required when `encryptAssertion` is `true`"
            )
        return self


EntityId = Annotated[str, StringConstraints(max_length=128)]


class _Config(Body):
    attributeMapping: AttributeMapping = None  # type: ignore[assignment]
    entityId: EntityId | None = None
    acsUrl: AcsUrl | None = None
    encryption: Encryption | None = None


class SamlAppCreate(_Config):
    name: Name256
    description: str | None = None
    customData: dict[str, Any] = None  # type: ignore[assignment]
    nameIdFormat: NameIdFormat = PERSISTENT


class SamlAppPatch(_Config):
    name: Name256 = None  # type: ignore[assignment]
    description: str | None = None
    customData: dict[str, Any] = None  # type: ignore[assignment]
    appLevelAccessControlEnabled: bool = None  # type: ignore[assignment]
    nameIdFormat: NameIdFormat = None  # type: ignore[assignment]


class SecretCreate(Body):
    lifeSpanInYears: Annotated[int, Field(ge=1, le=MAX_LIFE_YEARS, strict=True)]


class SecretPatch(Body):
    active: bool


def config_values(sent: dict[str, Any]) -> dict[str, Any]:
    """The config keys among what the client sent (wire keys, JSON values)."""
    return {
        k: sent[k]
        for k in ("attributeMapping", "entityId", "acsUrl", "encryption", "nameIdFormat")
        if k in sent
    }


def check_acs_url(acs_url: dict[str, Any] | None) -> None:
    """Only HTTP-POST binding is supported for receiving SAML assertions (Logto's validateAcsUrl)."""
    if acs_url is not None and acs_url.get("binding") != POST:
        raise LogtoError("application.saml.acs_url_binding_not_supported", 422)


def check_limit(count: int) -> None:
    if count >= OSS_LIMIT:
        raise LogtoError("application.saml.reach_oss_limit", 403, limit=OSS_LIMIT)


def only_saml(app_type: str) -> None:
    if app_type != "SAML":
        raise LogtoError("application.saml.saml_application_only", 422)


def app_response(app: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Logto's samlApplicationResponseGuard: the application without its OIDC parts, plus the config."""
    hidden = (
        "secret",
        "oidcClientMetadata",
        "customClientMetadata",
        "protectedAppMetadata",
        "isAdmin",
    )
    return {k: v for k, v in app.items() if k not in hidden} | config


def secret_response(row: Any) -> dict[str, Any]:
    """Never the private key (Logto's samlApplicationSecretResponseGuard)."""
    return {
        "id": row.id,
        "certificate": row.certificate,
        "createdAt": row.created_at,
        "expiresAt": row.expires_at,
        "active": row.active,
        "fingerprints": fingerprints(row.certificate),
    }


def key_and_certificate(years: int) -> tuple[str, str, int, int]:
    """(private key PEM, self-signed certificate PEM, created ms, expiry ms): RSA 4096, SHA-256,
    subject CN=logto.io, O=Logto, C=US, as Logto's generateKeyPairAndCertificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "logto.io"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Logto"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
    ])  # fmt: skip
    created = clock.now_ms()
    now = dt.datetime.fromtimestamp(created / 1000, dt.UTC)
    try:
        not_after = now.replace(year=now.year + years)
    except ValueError:  # 29 February: date-fns' addYears lands on 28 February
        not_after = now.replace(year=now.year + years, day=28)
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
    return (
        private_pem,
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        created,
        int(not_after.timestamp() * 1000),
    )


def scopes_for(name_id_format: str, attribute_mapping: dict[str, Any]) -> list[str]:
    """The OIDC scopes the sign-in asks for (Logto's getScopesFromAttributeMapping)."""
    scopes = ["openid", "profile"]
    if name_id_format == EMAIL:
        scopes.append("email")
    for claim in attribute_mapping:
        scope = CLAIM_SCOPES.get(claim)
        if scope is not None and scope not in scopes:
            scopes.append(scope)
    return scopes
