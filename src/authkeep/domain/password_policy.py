"""Logto's password policy (core-kit `PasswordPolicyChecker`): length, character types, and
rejection of breached passwords, repetitions/sequences, user information and listed words.

Breached passwords are looked up in a list shipped with authkeep (common_passwords.txt)
instead of the Have I Been Pwned range API Logto calls, so no password ever leaves the server.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

SYMBOLS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "
SEQUENCES = (
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz",
    "2wsx",
    "3edc",
    "4rfv",
    "5tgb",
    "6yhn",
    "7ujm",
    "8ik",
    "9ol",
)
_RUN = 3  # shortest repetition or sequence that counts
_TOLERANCE = 3  # a password with more than this many unrestricted characters passes


class MissingUserInfo(Exception):
    """The policy rejects user information but none was given (Logto's TypeError)."""


@cache
def _breached() -> frozenset[str]:
    path = Path(__file__).parent / "common_passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("# "))


def is_breached(password: str) -> bool:
    return password in _breached()


def full_policy(partial: dict[str, Any] | None) -> dict[str, Any]:
    """The stored (partial) policy with Logto's defaults filled in."""
    partial = partial or {}
    length = partial.get("length") or {}
    kinds = partial.get("characterTypes") or {}
    rejects = partial.get("rejects") or {}
    return {
        "length": {"min": length.get("min", 8), "max": length.get("max", 256)},
        "characterTypes": {"min": kinds.get("min", 1)},
        "rejects": {
            "pwned": rejects.get("pwned", True),
            "repetitionAndSequence": rejects.get("repetitionAndSequence", True),
            "userInfo": rejects.get("userInfo", True),
            "words": list(rejects.get("words", [])),
        },
    }


def _char_types_ok(password: str, minimum: int) -> bool | None:
    kinds = set()
    for ch in password:
        if "a" <= ch <= "z":
            kinds.add("lower")
        elif "A" <= ch <= "Z":
            kinds.add("upper")
        elif "0" <= ch <= "9":
            kinds.add("digit")
        elif ch in SYMBOLS:
            kinds.add("symbol")
        else:
            return None
    return len(kinds) >= minimum


def _repetition(s: str) -> int:
    if not s:
        return 0
    n = len(s) - len(s.lstrip(s[0]))
    return n if n >= _RUN else 0


def _is_sequential(value: str) -> bool:
    for seq in SEQUENCES:
        rev = seq[::-1]
        if any(value in item for item in (seq, rev, seq.upper(), rev.upper())):
            return True
    return False


def _sequence(s: str) -> int:
    value = ""
    for ch in s:
        if not value or _is_sequential(value + ch):
            value += ch
        else:
            break
    return len(value) if len(value) >= _RUN else 0


def _words(s: str, words: list[str]) -> int:
    low = s.lower()
    return max((len(w) for w in words if low.startswith(w.lower())), default=0)


def _user_info(s: str, info: dict[str, str]) -> int:
    low = s.lower()
    found = 0
    name = info.get("name")
    if name:
        if low.startswith(name.lower()):
            found = max(found, len(name))
        else:
            joined = "".join(name.split())
            if low.startswith(joined.lower()):
                found = max(found, len(joined))
            for word in name.split(" "):
                if low.startswith(word.lower()):
                    found = max(found, len(word))
    username = info.get("username")
    if username and low.startswith(username.lower()):
        found = max(found, len(username))
    email = info.get("email")
    if email:
        prefix = email.split("@")[0]
        if prefix and low.startswith(prefix.lower()):
            found = max(found, len(prefix))
    phone = info.get("phoneNumber")
    if phone and low.startswith(phone):
        found = max(found, len(phone))
    return found


def check(policy: dict[str, Any], password: str, user_info: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Issues `{code, interpolation?}` in Logto's order; empty when the password passes."""
    issues: list[dict[str, Any]] = []
    length = policy["length"]
    if len(password) < length["min"]:
        issues.append({"code": "password_rejected.too_short", "interpolation": {"min": length["min"]}})
    elif len(password) > length["max"]:
        issues.append({"code": "password_rejected.too_long", "interpolation": {"max": length["max"]}})
    kinds = _char_types_ok(password, policy["characterTypes"]["min"])
    if kinds is None:
        issues.append({"code": "password_rejected.unsupported_characters"})
    elif not kinds:
        issues.append(
            {"code": "password_rejected.character_types", "interpolation": {"min": policy["characterTypes"]["min"]}}
        )
    rejects = policy["rejects"]
    if rejects["pwned"] and is_breached(password):
        issues.append({"code": "password_rejected.pwned"})

    flagged = [False] * len(password)
    codes: list[str] = []

    def mark(start: int, count: int, code: str) -> None:
        if count <= 0:
            return
        for i in range(start, start + count):
            flagged[i] = True
        if code not in codes:
            codes.append(code)

    for i in range(len(password)):
        rest = password[i:]
        if rejects["repetitionAndSequence"]:
            mark(i, _repetition(rest), "restricted.repetition")
            mark(i, _sequence(rest), "restricted.sequence")
        if rejects["words"]:
            mark(i, _words(rest, rejects["words"]), "restricted.words")
        if rejects["userInfo"]:
            if user_info is None:
                raise MissingUserInfo("User information data is required to check user information.")
            mark(i, _user_info(rest, user_info), "restricted.user_info")
    if sum(flagged) > max(1, len(password) - _TOLERANCE):
        issues.extend({"code": f"password_rejected.{code}"} for code in codes)
    return issues
