"""End-user test helpers: an interaction for the Experience API, an access token for the Account
API, a finished login for the OIDC resume.

SEAMS: while the OIDC provider, the Experience API and the Account API are built in parallel,
`start_interaction`, `finish_login` and `user_access_token` write the stored records directly
(the shapes of oidc/interactions.py and oidc/user_tokens.py). Each is replaced by the real HTTP
flow (`/oidc/auth`, the Experience API, `/oidc/token`) as soon as that exists; callers keep the
same signatures, so tests need not change.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from typing import Any

import httpx

from tests.server import Server


def _digest(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).rstrip(b"=").decode()


def _execute(srv: Server, sql: str, args: list[Any]) -> None:
    """One statement with positional `?` parameters on the server's database."""
    if srv.backend == "sqlite":
        import sqlite3

        with sqlite3.connect(srv.database_url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql, args)
        return
    import asyncpg

    numbered, n = "", 0
    for ch in sql:
        if ch == "?":
            n += 1
            numbered += f"${n}"
        else:
            numbered += ch

    async def go() -> None:
        conn = await asyncpg.connect(srv.database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(numbered, *args)
        finally:
            await conn.close()

    asyncio.run(go())


def _json(srv: Server, value: Any) -> Any:
    return json.dumps(value)


def _cast(srv: Server) -> str:
    return "?::jsonb" if srv.backend == "postgres" else "?"


def start_interaction(
    srv: Server,
    client: httpx.Client,
    app_id: str,
    *,
    scope: str = "openid profile offline_access",
    redirect_uri: str = "http://127.0.0.1:9/callback",
    prompt: str = "login",
) -> str:
    """SEAM: an interaction as `/oidc/auth` would start it; the `_interaction` cookie goes into
    `client`'s jar. Returns the uid."""
    uid = secrets.token_urlsafe(32)
    params = {"client_id": app_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": scope,
              "state": "s", "resource": []}  # fmt: skip
    payload = {"uid": uid, "params": params, "prompt": {"name": prompt, "reasons": ["no_session"], "details": {}},
               "session": None, "experience": None, "result": None}  # fmt: skip
    expires = int(time.time() * 1000) + 3600_000
    _execute(
        srv,
        "INSERT INTO oidc_model_instances (tenant_id, model_name, id, client_id, payload, expires_at) "
        f"VALUES ('default', 'Interaction', ?, ?, {_cast(srv)}, ?)",
        [uid, app_id, _json(srv, payload), expires],
    )
    client.cookies.set("_interaction", uid)
    return uid


def user_access_token(srv: Server, user_id: str, app_id: str, scopes: str = "openid profile", ttl_s: int = 3600) -> str:
    """SEAM: an opaque access token (no resource) as `/oidc/token` issues it to a signed-in user."""
    token = secrets.token_urlsafe(32)
    now = int(time.time() * 1000)
    grant_id = secrets.token_urlsafe(16)
    payload = {"accountId": user_id, "clientId": app_id, "scope": scopes, "grantId": grant_id, "iat": now // 1000}
    _execute(
        srv,
        "INSERT INTO oidc_model_instances (tenant_id, model_name, id, grant_id, account_id, client_id, payload, expires_at) "
        f"VALUES ('default', 'AccessToken', ?, ?, ?, ?, {_cast(srv)}, ?)",
        [_digest(token), grant_id, user_id, app_id, _json(srv, payload), now + ttl_s * 1000],
    )
    return token


def finish_login(srv: Server, uid: str, account_id: str, event: str = "SignIn") -> None:
    """SEAM: what `POST /api/experience/submit` does once the user is identified: the
    interaction's `result.login` and Logto's `lastSubmission`, then the browser goes to
    `GET /oidc/auth/<uid>`."""
    ts = int(time.time())
    last = {"interactionEvent": event, "userId": account_id, "verificationRecords": []}
    if srv.backend == "postgres":
        sql = (
            "UPDATE oidc_model_instances SET account_id = ?, payload = payload || ?::jsonb "
            "WHERE tenant_id = 'default' AND model_name = 'Interaction' AND id = ?"
        )
        patch = {"result": {"login": {"accountId": account_id, "ts": ts}}, "lastSubmission": last}
        _execute(srv, sql, [account_id, _json(srv, patch), uid])
        return
    sql = (
        "UPDATE oidc_model_instances SET account_id = ?, "
        "payload = json_set(payload, '$.result', json(?), '$.lastSubmission', json(?)) "
        "WHERE tenant_id = 'default' AND model_name = 'Interaction' AND id = ?"
    )
    _execute(srv, sql, [account_id, _json(srv, {"login": {"accountId": account_id, "ts": ts}}), _json(srv, last), uid])


def verified_record(srv: Server, user_id: str, ttl_s: int = 600) -> str:
    """SEAM: a verified verification record (what `logto-verification-id` names) as the
    Verification API stores it once the user proved their identity."""
    record_id = secrets.token_hex(10)
    now = int(time.time() * 1000)
    data = {"id": record_id, "type": "Password", "userId": user_id, "verified": True}
    _execute(
        srv,
        "INSERT INTO verification_records (tenant_id, id, user_id, data, expires_at, created_at) "
        f"VALUES ('default', ?, ?, {_cast(srv)}, ?, ?)",
        [record_id, user_id, _json(srv, data), now + ttl_s * 1000, now],
    )
    return record_id
