"""Console sign-in: argon2id passwords, signed session cookies backed by server-side rows, CSRF.

The cookie holds `<random id>.<HMAC>`; the database holds only sha256(random id), so a leaked
table cannot be replayed, and deleting the row (sign-out, expiry) ends the session everywhere.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import posixpath
import secrets
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse
from starlette.requests import Request
from starlette.responses import Response

from authkeep.config import Settings
from authkeep.console import store
from authkeep.ratelimit import RateLimiter
from authkeep.state import AppState

COOKIE = "authkeep_console"
LOGIN_COOKIE = "authkeep_console_login"  # double-submit token for the sign-in form
FLASH_COOKIE = "authkeep_console_flash"
PATH = "/console"
SESSION_TTL_MS = 8 * 3600 * 1000
SIGN_IN_LIMIT = parse("10/5 minutes")  # failed attempts per client IP and username

_UNSET = object()
_hasher = PasswordHasher()  # argon2id with the library's recommended cost


def safe_next(value: object) -> str:
    """Where to go after sign-in: a path under /console, with dot segments (also percent-encoded
    ones, which browsers resolve) normalised first, else the console home."""
    home = PATH + "/"
    if not isinstance(value, str) or "//" in value or any(c in value for c in "\\\r\n\t\0"):
        return home
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return home
    path = posixpath.normpath(unquote(parts.path))
    if path != PATH and not path.startswith(PATH + "/"):
        return home
    if "//" in path or any(c in path for c in "\\\r\n\t\0"):
        return home
    out = quote(path, safe="/:@!$&'()*+,;=-._~")
    return out + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def check_password(password_hash: str | None, password: str) -> bool:
    """Runs off the event loop; unknown users cost the same as wrong passwords."""
    return await asyncio.to_thread(_verify, password_hash, password)


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"authkeep-console-cookie-v1\x00" + settings.secret_key.encode()).digest()


def sign(settings: Settings, value: str) -> str:
    mac = hmac.new(_key(settings), value.encode(), hashlib.sha256).digest()
    return f"{value}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def unsign(settings: Settings, signed: str | None) -> str | None:
    if not signed or "." not in signed:
        return None
    value, _, _mac = signed.rpartition(".")
    return value if hmac.compare_digest(sign(settings, value), signed) else None


def sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def state_of(request: Request) -> AppState:
    return request.app.state.authkeep  # type: ignore[no-any-return]


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        secure=state_of(request).settings.endpoint.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    set_cookie(request, response, name, "", 0)


async def current(request: Request) -> store.Session | None:
    """The signed-in admin's session, read once per request."""
    cached = getattr(request.state, "console_session", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[no-any-return]
    state = state_of(request)
    sid = unsign(state.settings, request.cookies.get(COOKIE))
    session = None
    if sid:
        async with state.db.read() as conn:
            session = await store.find_session(conn, sid_hash(sid))
    request.state.console_session = session
    return session


async def start(request: Request, response: Response, admin_id: str) -> None:
    state = state_of(request)
    sid = secrets.token_urlsafe(32)
    previous = unsign(state.settings, request.cookies.get(COOKIE))
    async with state.db.write() as conn:
        if previous:  # a new sign-in always gets a new id; the old one ends here
            await store.delete_session(conn, sid_hash(previous))
        await store.insert_session(conn, sid_hash(sid), admin_id, secrets.token_urlsafe(32), SESSION_TTL_MS)
    set_cookie(request, response, COOKIE, sign(state.settings, sid), SESSION_TTL_MS // 1000)


async def end(request: Request, response: Response) -> None:
    state = state_of(request)
    sid = unsign(state.settings, request.cookies.get(COOKIE))
    if sid:
        async with state.db.write() as conn:
            await store.delete_session(conn, sid_hash(sid))
    clear_cookie(request, response, COOKIE)


def csrf_ok(expected: str | None, given: object) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected or "", given)


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "console_limiter", None)
    if limiter is None:
        settings = state_of(request).settings
        limiter = RateLimiter(settings.redis_url, settings.rate_limit_fail_open)
        request.app.state.console_limiter = limiter
    return limiter


def _limit_key(request: Request, username: str) -> str:
    ip = request.client.host if request.client else "unknown"
    return f"{ip}:{username.lower()}"


async def sign_in_allowed(request: Request, username: str) -> bool:
    """False once an IP has failed SIGN_IN_LIMIT times for one username within the window."""
    limiter = _limiter(request)
    try:
        return bool(await limiter.strategy.test(SIGN_IN_LIMIT, "console-sign-in", _limit_key(request, username)))
    except Exception:  # noqa: BLE001 - the store is down: the configured fail policy decides
        return limiter.fail_open


async def sign_in_failed(request: Request, username: str) -> None:
    await _limiter(request).check(SIGN_IN_LIMIT, "console-sign-in", _limit_key(request, username))
