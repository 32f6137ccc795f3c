"""Opaque bearer secrets (access and refresh tokens, codes, session cookies) and the digests they
are stored under: a database dump holds no usable token."""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_secret() -> str:
    """43 chars of [A-Za-z0-9_-], the shape of oidc-provider's opaque values."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256, base64url without padding (43 chars)."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).rstrip(b"=").decode()
