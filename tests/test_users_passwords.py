"""Imported password digests: one user per algorithm Logto accepts, each signed in through
`POST /users/{id}/password/verify` and upgraded to Argon2i afterwards (logto-facts §9)."""

from __future__ import annotations

import base64
import hashlib
import json

import bcrypt
import httpx
import pytest
from argon2 import PasswordHasher, Type
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PASSWORD = "correct horse ✓"


def _firebase(password: str) -> str:
    salt, separator, signer = b"saltsalt", b"\x01", b"signer-key-bytes"
    key = hashlib.scrypt(password.encode(), salt=salt + separator, n=2**10, r=8, p=1, dklen=32)
    enc = Cipher(algorithms.AES(key), modes.CTR(b"\0" * 16)).encryptor()
    expected = base64.b64encode(enc.update(signer) + enc.finalize()).decode()
    args = [base64.b64encode(salt).decode(), base64.b64encode(signer).decode(), base64.b64encode(separator).decode(), "8", "10", "@"]
    return json.dumps(["firebase-scrypt", args, expected])


def _digests(password: str) -> dict[str, tuple[str, str]]:
    pw = password.encode()
    return {
        "Argon2i": ("Argon2i", PasswordHasher(time_cost=2, memory_cost=1024, type=Type.I).hash(password)),
        "Argon2id": ("Argon2id", PasswordHasher(time_cost=2, memory_cost=1024, type=Type.ID).hash(password)),
        "Argon2d": ("Argon2d", PasswordHasher(time_cost=2, memory_cost=1024, type=Type.D).hash(password)),
        "Bcrypt": ("Bcrypt", bcrypt.hashpw(pw, bcrypt.gensalt(rounds=4)).decode()),
        "SHA1": ("SHA1", hashlib.sha1(pw).hexdigest()),
        "SHA256": ("SHA256", hashlib.sha256(pw).hexdigest()),
        "MD5": ("MD5", hashlib.md5(pw).hexdigest()),
        "Legacy-sha512": (
            "Legacy",
            json.dumps(["sha512", ["pepper", "@", "salt"], hashlib.sha512(b"pepper" + pw + b"salt").hexdigest()]),
        ),
        "Legacy-md5": ("Legacy", json.dumps(["md5", ["@"], hashlib.md5(pw).hexdigest()])),
        "Legacy-pbkdf2": (
            "Legacy",
            json.dumps(
                ["pbkdf2", ["hex:00ff10", "1000", "32", "sha256", "@"], hashlib.pbkdf2_hmac("sha256", pw, b"\x00\xff\x10", 1000, 32).hex()]
            ),
        ),
        "Legacy-pbkdf2-text-salt": (
            "Legacy",
            json.dumps(["pbkdf2Sync", ["NaCl", "100", "16", "sha1", "@"], hashlib.pbkdf2_hmac("sha1", pw, b"NaCl", 100, 16).hex()]),
        ),
        "Legacy-firebase-scrypt": ("Legacy", _firebase(password)),
    }


CASES = sorted(_digests("x"))


@pytest.mark.parametrize("case", CASES)
def test_imported_digest_verifies_and_upgrades(api: httpx.Client, case: str) -> None:
    algorithm, digest = _digests(PASSWORD)[case]
    res = api.post("/api/users", json={"passwordDigest": digest, "passwordAlgorithm": algorithm})
    assert res.status_code == 200, res.text
    user = res.json()
    assert user["hasPassword"] is True
    url = f"/api/users/{user['id']}"
    stored = api.get(url, params={"includePasswordHash": "true"}).json()
    assert (stored["passwordAlgorithm"], stored["passwordDigest"]) == (algorithm, digest)

    bad = api.post(f"{url}/password/verify", json={"password": PASSWORD + "!"})
    assert bad.status_code == 422 and bad.json()["code"] == "session.invalid_credentials"
    assert api.get(url, params={"includePasswordHash": "true"}).json()["passwordDigest"] == digest

    ok = api.post(f"{url}/password/verify", json={"password": PASSWORD})
    assert ok.status_code == 204, ok.text
    upgraded = api.get(url, params={"includePasswordHash": "true"}).json()
    assert upgraded["passwordAlgorithm"] == "Argon2i"
    if algorithm == "Argon2i":
        assert upgraded["passwordDigest"] == digest  # already the default algorithm: kept
    else:
        assert upgraded["passwordDigest"].startswith("$argon2i$v=19$m=8192,t=8,p=1$")
    assert api.post(f"{url}/password/verify", json={"password": PASSWORD}).status_code == 204
    assert api.post(f"{url}/password/verify", json={"password": "nope"}).status_code == 422


def test_malformed_stored_digests_fail_closed(api: httpx.Client) -> None:
    for algorithm, digest in [("Bcrypt", "not-bcrypt"), ("Argon2id", "$argon2id$garbage"), ("SHA256", "zz")]:
        user = api.post("/api/users", json={"passwordDigest": digest, "passwordAlgorithm": algorithm}).json()
        res = api.post(f"/api/users/{user['id']}/password/verify", json={"password": "x"})
        assert res.status_code == 422 and res.json()["code"] == "session.invalid_credentials"
