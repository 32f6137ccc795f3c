"""Browser sessions and grants (oidc-provider's Session and Grant models, store/oidc_models.py).

Session: the `_session` cookie holds an opaque secret; the row is stored under its digest, which
is also the payload's `jti` (oidc-provider stores the cookie value there; we never keep it).
Payload, in Logto's Management API shape: `{exp, iat, jti, uid, kind, loginTs, accountId,
authorizations: {clientId: {sid, grantId}}}` plus `lastSubmission` and `clientId` (what Logto
keeps in `oidc_session_extensions`). A sign-in always makes a new session: no fixation.

Grant: one per (account, client): `{exp, iat, jti, kind, clientId, accountId, openid: {scope},
resources: {indicator: scope}}`, 180 days.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.oidc import opaque
from authkeep.store import oidc_models
from authkeep.store.oidc_models import Instance

SESSION = "Session"
GRANT = "Grant"
COOKIE = "_session"
SESSION_TTL_S = 14 * 86400
GRANT_TTL_S = 180 * 86400
_EXTENSION = ("lastSubmission", "clientId")  # kept beside the payload in Logto


async def create_session(
    conn: AsyncConnection,
    tenant_id: str,
    account_id: str,
    client_id: str,
    login_ts: int,
    last_submission: Any = None,
) -> tuple[str, Instance]:
    """A new session; returns (cookie secret, row)."""
    secret = opaque.new_secret()
    sid = opaque.digest(secret)
    now = clock.now_s()
    payload: dict[str, Any] = {
        "exp": now + SESSION_TTL_S, "iat": now, "jti": sid, "uid": ids.token_id(), "kind": SESSION,
        "loginTs": login_ts, "accountId": account_id, "authorizations": {},
        "lastSubmission": last_submission, "clientId": client_id,
    }  # fmt: skip
    expires = (now + SESSION_TTL_S) * 1000
    await oidc_models.insert(conn, tenant_id, SESSION, sid, payload, expires, account_id=account_id)
    return secret, Instance(SESSION, sid, payload, expires, None, None, account_id, None)


async def find_session(conn: AsyncConnection, tenant_id: str, cookie: str | None) -> Instance | None:
    if not cookie or len(cookie) > 128:
        return None
    return await oidc_models.find(conn, tenant_id, SESSION, opaque.digest(cookie), clock.now_ms())


async def find_session_by_id(conn: AsyncConnection, tenant_id: str, sid: str) -> Instance | None:
    return await oidc_models.find(conn, tenant_id, SESSION, sid, clock.now_ms())


async def sessions_of(conn: AsyncConnection, tenant_id: str, account_id: str) -> list[Instance]:
    return await oidc_models.list_for_account(conn, tenant_id, SESSION, account_id, clock.now_ms())


async def session_by_uid(conn: AsyncConnection, tenant_id: str, account_id: str, uid: str) -> Instance | None:
    for found in await sessions_of(conn, tenant_id, account_id):
        if found.payload.get("uid") == uid:
            return found
    return None


async def authorize(conn: AsyncConnection, tenant_id: str, session: Instance, client_id: str, grant_id: str) -> str:
    """Records the client's grant in the session; returns the authorization's `sid`."""
    payload = dict(session.payload)
    auths = dict(payload.get("authorizations") or {})
    sid = (auths.get(client_id) or {}).get("sid") or ids.token_id()
    auths[client_id] = {"sid": sid, "grantId": grant_id}
    payload["authorizations"] = auths
    await oidc_models.update_instance(conn, tenant_id, SESSION, session.id, payload)
    return str(sid)


async def drop_authorizations(conn: AsyncConnection, tenant_id: str, account_id: str, grant_ids: set[str]) -> None:
    """Removes the sessions' entries pointing at revoked grants (as Logto does)."""
    for found in await sessions_of(conn, tenant_id, account_id):
        auths = found.payload.get("authorizations") or {}
        kept = {c: a for c, a in auths.items() if (a or {}).get("grantId") not in grant_ids}
        if len(kept) != len(auths):
            await oidc_models.update_instance(conn, tenant_id, SESSION, found.id, {**found.payload, "authorizations": kept})


def session_view(found: Instance) -> dict[str, Any]:
    """Logto's `GET /users/{id}/sessions` item."""
    payload = {k: v for k, v in found.payload.items() if k not in _EXTENSION}
    return {
        "id": found.id, "modelName": SESSION, "payload": payload, "expiresAt": found.expires_at,
        "consumedAt": found.consumed_at, "lastSubmission": found.payload.get("lastSubmission"),
        "clientId": found.payload.get("clientId"), "accountId": found.account_id,
    }  # fmt: skip


# --- grants ---


async def find_grant(conn: AsyncConnection, tenant_id: str, grant_id: str) -> Instance | None:
    return await oidc_models.find(conn, tenant_id, GRANT, grant_id, clock.now_ms())


async def grant_for(conn: AsyncConnection, tenant_id: str, account_id: str, client_id: str) -> Instance | None:
    for found in await oidc_models.list_for_account(conn, tenant_id, GRANT, account_id, clock.now_ms()):
        if found.client_id == client_id:
            return found
    return None


async def grants_of(conn: AsyncConnection, tenant_id: str, account_id: str) -> list[Instance]:
    return await oidc_models.list_for_account(conn, tenant_id, GRANT, account_id, clock.now_ms())


def grant_scopes(grant: Instance) -> tuple[set[str], dict[str, set[str]]]:
    """(OIDC scopes, {indicator: resource scopes}) the grant holds."""
    oidc = set(str((grant.payload.get("openid") or {}).get("scope") or "").split())
    resources = {
        ind: set(str((v or {}).get("scope") or "").split()) if isinstance(v, dict) else set(str(v or "").split())
        for ind, v in (grant.payload.get("resources") or {}).items()
    }
    return oidc, resources


async def save_grant(
    conn: AsyncConnection,
    tenant_id: str,
    account_id: str,
    client_id: str,
    add_oidc: set[str],
    add_resources: dict[str, set[str]],
) -> str:
    """Adds scopes to the account's grant for the client (created when missing); returns its id."""
    grant = await grant_for(conn, tenant_id, account_id, client_id)
    now = clock.now_s()
    if grant is None:
        gid = ids.token_id()
        oidc: set[str] = set()
        resources: dict[str, set[str]] = {}
        payload: dict[str, Any] = {
            "exp": now + GRANT_TTL_S, "iat": now, "jti": gid, "kind": GRANT, "clientId": client_id, "accountId": account_id,
        }  # fmt: skip
    else:
        gid, payload = grant.id, dict(grant.payload)
        oidc, resources = grant_scopes(grant)
    oidc |= add_oidc
    for ind, names in add_resources.items():
        resources[ind] = resources.get(ind, set()) | names
    payload["openid"] = {"scope": " ".join(sorted(oidc))}
    payload["resources"] = {ind: " ".join(sorted(names)) for ind, names in resources.items()}
    if grant is None:
        await oidc_models.insert(
            conn, tenant_id, GRANT, gid, payload, (now + GRANT_TTL_S) * 1000,
            grant_id=gid, account_id=account_id, client_id=client_id,
        )  # fmt: skip
    else:
        await oidc_models.update_instance(conn, tenant_id, GRANT, gid, payload)
    return gid


def grant_view(grant: Instance, app: dict[str, Any] | None) -> dict[str, Any]:
    """Logto's `GET /users/{id}/grants` item."""
    return {
        "id": grant.id, "payload": grant.payload, "expiresAt": grant.expires_at,
        "application": {"id": grant.client_id, "name": (app or {}).get("name", "")},
    }  # fmt: skip


async def revoke_session(
    conn: AsyncConnection, tenant_id: str, session: Instance, target: str | None, first_party: set[str] | None = None
) -> None:
    """Ends a session. Its grants: `all` revokes every one, `firstParty` those of first-party apps
    (`first_party` = their client ids), none given: those without `offline_access` (Logto)."""
    for client_id, auth in (session.payload.get("authorizations") or {}).items():
        grant = await find_grant(conn, tenant_id, str((auth or {}).get("grantId") or ""))
        if grant is None:
            continue
        if target == "all":
            drop = True
        elif target == "firstParty":
            drop = first_party is not None and client_id in first_party
        else:
            drop = "offline_access" not in grant_scopes(grant)[0]
        if drop:
            await oidc_models.revoke_grant(conn, tenant_id, grant.id)
    await oidc_models.remove(conn, tenant_id, SESSION, session.id)


async def revoke_user_grant(conn: AsyncConnection, tenant_id: str, account_id: str, grant_id: str) -> bool:
    """Revokes one of the account's grants and every token of it; False when it is not theirs."""
    grant = await find_grant(conn, tenant_id, grant_id)
    if grant is None or grant.account_id != account_id:
        return False
    await oidc_models.revoke_grant(conn, tenant_id, grant_id)
    await drop_authorizations(conn, tenant_id, account_id, {grant_id})
    return True
