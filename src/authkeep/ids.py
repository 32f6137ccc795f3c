"""Logto's id and secret shapes: lowercase [0-9a-z] ids, [0-9a-zA-Z] secrets (see logto-facts §1)."""

import secrets
import string

_ID_ALPHABET = string.digits + string.ascii_lowercase
_SECRET_ALPHABET = string.digits + string.ascii_letters


def _pick(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def standard_id(length: int = 21) -> str:
    return _pick(_ID_ALPHABET, length)


def short_id() -> str:
    """Users and organizations use 12-character ids."""
    return _pick(_ID_ALPHABET, 12)


def standard_secret(length: int = 32) -> str:
    return _pick(_SECRET_ALPHABET, length)


def token_id() -> str:
    """43 chars of [A-Za-z0-9_-], like oidc-provider's jti."""
    return secrets.token_urlsafe(32)
