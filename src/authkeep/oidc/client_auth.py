"""Client authentication for the token endpoint: client_secret_basic and client_secret_post
(RFC 6749 §2.3.1). Secrets are compared in constant time."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from urllib.parse import unquote_plus

from authkeep import clock
from authkeep.oidc.errors import OAuthError
from authkeep.secretbox import SecretBox
from authkeep.store.clients import ClientRecord

# SAML apps hold only an internal secret, never given out: /oidc/token always refuses them
# (their code is exchanged in process by api/saml_flow.py).
CONFIDENTIAL = {"MachineToMachine", "Traditional", "Protected", "SAML"}


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str | None
    via_header: bool


def _printable(value: str) -> bool:
    return all(0x20 <= ord(ch) < 0x7F for ch in value)


def read_credentials(authorization: str | None, form: dict[str, str]) -> Credentials:
    body_id = form.get("client_id")
    body_secret = form.get("client_secret")
    if authorization is not None and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            raw_id, raw_secret = decoded.split(":", 1)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise OAuthError("invalid_request", "invalid authorization header value format") from None
        header_id, header_secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if not header_id or not _printable(header_id) or not _printable(header_secret):
            raise OAuthError("invalid_request", "invalid authorization header value format")
        if body_id is not None and body_id != header_id:
            raise OAuthError("invalid_request", "client_id mismatch")
        if body_secret is not None:
            raise OAuthError("invalid_request", "client authentication must only be provided using one mechanism")
        return Credentials(header_id, header_secret, True)
    if not body_id:
        raise OAuthError("invalid_request", "no client authentication mechanism provided")
    return Credentials(body_id, body_secret, False)


def verify_secret(client: ClientRecord, creds: Credentials, box: SecretBox, issuer: str) -> str | None:
    """Returns the matched secret's name (None for the legacy secret); raises on failure."""
    if client.type not in CONFIDENTIAL:
        if creds.client_secret:
            raise _failed(creds, issuer)
        return None
    if not creds.client_secret:
        raise OAuthError("invalid_client", "client authentication failed", 401, _challenge(creds, issuer))
    given = creds.client_secret.encode()
    now = clock.now_ms()
    matched: tuple[str, int | None] | None = None
    for name, sealed, expires_at in client.secrets:
        value = box.open(sealed, aad=client.id)
        if hmac.compare_digest(value.encode(), given) and matched is None:
            matched = (name, expires_at)
    if matched is not None:
        name, expires_at = matched
        if expires_at is not None and expires_at < now:
            raise OAuthError("invalid_request", "client secret has expired")
        return name
    legacy = box.open(client.sealed_secret, aad=client.id)
    if not legacy.startswith("#internal:") and hmac.compare_digest(legacy.encode(), given):
        return None
    raise _failed(creds, issuer)


def _challenge(creds: Credentials, issuer: str) -> str | None:
    if not creds.via_header:
        return None
    return (
        f'Basic realm="{issuer}", error="invalid_client", '
        'error_description="client authentication failed"'
    )


def _failed(creds: Credentials, issuer: str) -> OAuthError:
    return OAuthError("invalid_client", "client authentication failed", 401, _challenge(creds, issuer))
