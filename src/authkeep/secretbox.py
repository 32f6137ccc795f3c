"""Encryption at rest: AES-256-GCM with a key derived from AUTHKEEP_SECRET_KEY.

Ciphertexts carry the id of the key that made them (`v1.<kid>.<b64>`), so the secret can be
rotated: new writes use the current key, old rows still open with a key from
AUTHKEEP_OLD_SECRET_KEYS until they are re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"authkeep/secretbox/v1", info=b"kek").derive(
        secret.encode()
    )


def _kid(key: bytes) -> str:
    return hashlib.sha256(b"kid" + key).hexdigest()[:8]


class SecretBox:
    """Seals and opens short secrets; `aad` binds a ciphertext to the row it belongs to."""

    def __init__(self, secret: str, old_secrets: tuple[str, ...] = ()) -> None:
        key = _derive(secret)
        self.kid = _kid(key)
        self._current = AESGCM(key)
        self._keys = {self.kid: self._current}
        for old in old_secrets:
            derived = _derive(old)
            self._keys.setdefault(_kid(derived), AESGCM(derived))

    def seal(self, plaintext: str, aad: str = "") -> str:
        nonce = os.urandom(12)
        blob = self._current.encrypt(nonce, plaintext.encode(), aad.encode())
        return f"v1.{self.kid}.{base64.urlsafe_b64encode(nonce + blob).decode()}"

    def open(self, sealed: str, aad: str = "") -> str:
        try:
            version, kid, payload = sealed.split(".", 2)
        except ValueError as exc:
            raise ValueError("not a sealed value") from exc
        key = self._keys.get(kid)
        if version != "v1" or key is None:
            raise ValueError("sealed with an unknown key")
        raw = base64.urlsafe_b64decode(payload)
        return key.decrypt(raw[:12], raw[12:], aad.encode()).decode()

    def needs_reseal(self, sealed: str) -> bool:
        return not sealed.startswith(f"v1.{self.kid}.")
