"""Password hashing and verification with Logto's algorithms (logto-facts §9).

New passwords: Argon2i with Logto's own parameters `$argon2i$v=19$m=8192,t=8,p=1$` (16-byte salt,
32-byte hash). We keep them rather than something cheaper so hashes move freely between Logto and
authkeep; one hash costs ~50 ms of CPU, which always runs in a worker thread.

Imported digests: Argon2i/Argon2id/Argon2d (encoded form), Bcrypt, hex MD5/SHA1/SHA256, and
`Legacy`: a JSON string `["<alg>", [args with "@"], "<expected>"]` where `<alg>` is a hash name
(hashlib / OpenSSL), `pbkdf2`/`pbkdf2Sync` (args `[salt or "hex:…", iterations, keylen, digest]`)
or `firebase-scrypt` (args `[salt, signerKey, saltSeparator, rounds, memCost]`, base64 result).
Everything that is not Argon2i is upgraded to Argon2i on the next successful verify (the caller
stores the new hash).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

import bcrypt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from authkeep.errors import LogtoError

ALGORITHMS = ("Argon2i", "Argon2id", "Argon2d", "SHA1", "SHA256", "MD5", "Bcrypt", "Legacy")
DEFAULT_ALGORITHM = "Argon2i"

_HASHER = PasswordHasher(time_cost=8, memory_cost=8192, parallelism=1, hash_len=32, salt_len=16, type=Type.I)
# Logto's decoy: spent on unknown users and fast hash types so failures take Argon2 time.
_DECOY = "$argon2i$v=19$m=8192,t=8,p=1$bG9ndG8tZGVjb3ktc2FsdA$mH8wiuxK7kCjJZJRxvXCN5BxUczufmGgV1stRYErj6w"
_FAST = {"MD5", "SHA1", "SHA256", "Legacy"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
# Node/OpenSSL digest names that hashlib spells differently.
_ALIASES = {
    "rsa-md5": "md5",
    "rsa-sha1": "sha1",
    "rsa-sha224": "sha224",
    "rsa-sha256": "sha256",
    "rsa-sha384": "sha384",
    "rsa-sha512": "sha512",
    "sha-1": "sha1",
    "sha-256": "sha256",
    "sha-512": "sha512",
    "blake2b512": "blake2b",
    "blake2s256": "blake2s",
}
_MAX_SCRYPT_MEM = 256 * 1024 * 1024
_MAX_PBKDF2_ITERATIONS = 10_000_000


@dataclass(frozen=True)
class Legacy:
    algorithm: str
    args: list[str]
    expected: str


def _hash_name(algorithm: str) -> str | None:
    """The hashlib name for a Node `crypto.createHash` algorithm, or None if unknown."""
    name = _ALIASES.get(algorithm.lower(), algorithm.lower())
    for candidate in (name, name.replace("-", "_"), name.replace("_", "-")):
        try:
            h = hashlib.new(candidate)
        except (ValueError, TypeError):
            continue
        if h.name.startswith("shake"):  # variable-length digests need a size; Node defaults differ
            continue
        return candidate
    return None


def _is_pbkdf2(algorithm: str) -> bool:
    return algorithm in ("pbkdf2", "pbkdf2Sync")


def _pbkdf2_salt(salt: str) -> bytes:
    if not salt.startswith("hex:"):
        return salt.encode()
    raw = salt[4:]
    if not raw or len(raw) % 2 or not _HEX.match(raw):
        raise LogtoError("password.invalid_legacy_password_format", 400)
    return bytes.fromhex(raw)


def parse_legacy(digest: str | None) -> Legacy:
    """Validate a Legacy digest as Logto does at import time (400 `password.*`)."""
    if not digest:
        raise LogtoError("password.unsupported_encryption_method", 400)
    try:
        data: Any = json.loads(digest)
    except ValueError:
        data = None
    if not (
        isinstance(data, list)
        and len(data) == 3
        and isinstance(data[0], str)
        and isinstance(data[1], list)
        and all(isinstance(a, str) for a in data[1])
        and "@" in data[1]
        and isinstance(data[2], str)
    ):
        raise LogtoError("password.invalid_legacy_password_format", 400)
    algorithm, args, expected = data
    if not (_is_pbkdf2(algorithm) or algorithm == "firebase-scrypt" or _hash_name(algorithm)):
        raise LogtoError("password.unsupported_legacy_hash_algorithm", 400, algorithm=algorithm)
    if _is_pbkdf2(algorithm) and args:
        _pbkdf2_salt(args[0])
    return Legacy(algorithm, args, expected)


def _b64(value: str) -> bytes:
    value = value.replace("-", "+").replace("_", "/")
    return base64.b64decode(value + "=" * (-len(value) % 4))


def _firebase_scrypt(args: list[str], password: str) -> str:
    salt, signer_key, separator, rounds, mem_cost = (args + [""] * 5)[:5]
    if not (salt and signer_key and separator and rounds and mem_cost):
        raise LogtoError("password.invalid_legacy_password_format", 400)
    r, log_n = int(rounds), int(mem_cost)
    n = 2**log_n
    needed = 128 * r * n + 1024 * 1024
    if r <= 0 or log_n <= 0 or needed > _MAX_SCRYPT_MEM:
        raise ValueError("scrypt parameters out of range")
    key = hashlib.scrypt(
        password.encode(), salt=_b64(salt) + _b64(separator), n=n, r=r, p=1, dklen=32, maxmem=needed + 1024 * 1024
    )
    encryptor = Cipher(algorithms.AES(key), modes.CTR(b"\0" * 16)).encryptor()
    return base64.b64encode(encryptor.update(_b64(signer_key)) + encryptor.finalize()).decode()


def legacy_hash(legacy: Legacy, password: str) -> str:
    if legacy.algorithm == "firebase-scrypt":
        return _firebase_scrypt(legacy.args, password)
    resolved = [password if a == "@" else a for a in legacy.args]
    if _is_pbkdf2(legacy.algorithm):
        if len(resolved) < 4 or not all(resolved[:4]):
            raise LogtoError("password.invalid_legacy_password_format", 400)
        salt, iterations, keylen, digest = resolved[:4]
        rounds, length = int(iterations), int(keylen)
        if not (0 < rounds <= _MAX_PBKDF2_ITERATIONS and 0 < length <= 1024):
            raise ValueError("pbkdf2 parameters out of range")
        name = _hash_name(digest) or digest
        return hashlib.pbkdf2_hmac(name, password.encode(), _pbkdf2_salt(salt), rounds, length).hex()
    name = _hash_name(legacy.algorithm)
    if name is None:
        raise ValueError("unknown hash")
    return hashlib.new(name, "".join(resolved).encode()).hexdigest()


def _legacy_verify(digest: str, password: str) -> bool:
    try:
        legacy = parse_legacy(digest)
        return hmac.compare_digest(legacy_hash(legacy, password), legacy.expected)
    except (LogtoError, ValueError, TypeError, OverflowError, MemoryError):
        return False


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password: str, digest: str, method: str) -> bool:
    """Check a password against a stored digest; never raises for a malformed digest."""
    if method in ("Argon2i", "Argon2id", "Argon2d"):
        try:
            return _HASHER.verify(digest, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
            return False
    if method in ("MD5", "SHA1", "SHA256"):
        name = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256"}[method]
        return hmac.compare_digest(hashlib.new(name, password.encode()).hexdigest(), digest)
    if method == "Bcrypt":
        try:
            return bcrypt.checkpw(password.encode()[:72], digest.encode())
        except ValueError:
            return False
    if method == "Legacy":
        return _legacy_verify(digest, password)
    return False


def decoy(password: str) -> None:
    try:
        _HASHER.verify(_DECOY, password)
    except VerificationError:
        pass


def check(password: str, digest: str | None, method: str | None) -> bool:
    """Verify, spending decoy Argon2 time when there is no password or the hash is fast."""
    if not digest or not method:
        decoy(password)
        return False
    ok = verify(password, digest, method)
    if not ok and method in _FAST:
        decoy(password)
    return ok


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def check_async(password: str, digest: str | None, method: str | None) -> bool:
    return await asyncio.to_thread(check, password, digest, method)
