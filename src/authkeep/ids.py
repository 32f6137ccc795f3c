"""Logto's id and secret shapes: lowercase [0-9a-z] ids, [0-9a-zA-Z] secrets (see logto-facts §1)."""

import secrets
import string

_ID_ALPHABET = string.digits + string.ascii_lowercase
_SECRET_ALPHABET = string.digits + string.ascii_letters
_JTI_ALPHABET = string.ascii_letters + string.digits + "_-"


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
    return _pick(_JTI_ALPHABET, 43)
