"""Who may call a route. A router names one policy; the route contract (api/contract.py) runs it
before anything else. Each policy answers one question: who is calling, or which Logto error.

- `management`: a Management API JWT with scope `all` (auth/bearer.py).
- `end_user`: an end user's opaque access token with no resource (Account / Verification APIs);
  Logto's koa-oidc-auth: unknown token or no user 401 `auth.unauthorized`, no `openid` 403.
- `interaction`: the OIDC interaction cookie (Experience API); none or unknown
  404 `session.interaction_not_found`.
- `public`: nobody in particular (status, OpenAPI document, .well-known).

The console (`/console`) is not behind the contract: it has its own cookie session (console/auth.py).
The end-user and interaction records are found through lookups set on `AppState` (`user_tokens`,
`interactions`) by whatever issues them; without one, every such credential is unknown.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request

from authkeep.errors import LogtoError

INTERACTION_COOKIE = "_interaction"


@dataclass(frozen=True)
class UserToken:
    """An opaque access token as its issuer stored it."""

    account_id: str | None
    client_id: str | None
    scopes: frozenset[str]
    grant_id: str | None = None


class TokenLookup(Protocol):
    async def find_access_token(self, tenant_id: str, token: str) -> UserToken | None: ...


class InteractionLookup(Protocol):
    async def find_interaction(self, tenant_id: str, cookie: str) -> Any | None: ...


class Policy(Protocol):
    def authenticate(self, request: Request, state: Any, tenant: Any) -> Awaitable[Any]:
        """The caller (handlers see it as `ctx.auth`), or raise a LogtoError."""

    def limit_key(self, caller: Any) -> str | None:
        """The caller's bucket under the API rate limit; None: not limited."""

    # Optional: `idempotency_scope(caller) -> (client id, subject)` makes POST routes honour
    # Idempotency-Key (api/idempotency.py); policies without it ignore the header.


def bearer_token(header: str | None) -> str:
    """Logto's extractBearerTokenFromHeaders."""
    if header is None:
        raise LogtoError("auth.authorization_header_missing", 401)
    if not header.startswith("Bearer"):
        raise LogtoError("auth.authorization_token_type_not_supported", 401, data={"supportedTypes": ["Bearer"]})
    return header[7:]


class Management:
    def authenticate(self, request: Request, state: Any, tenant: Any) -> Awaitable[Any]:
        # The verifier's own coroutine, not one more frame around it: this is every request's path.
        return tenant.verifier.authenticate(request.headers.get("authorization"))

    def limit_key(self, caller: Any) -> str | None:
        return str(caller.client_id or caller.subject)

    def idempotency_scope(self, caller: Any) -> tuple[str, str]:
        """Whose Idempotency-Keys (api/idempotency.py): the token's client, and its user if any."""
        client = str(caller.client_id or caller.subject)
        return client, "" if caller.subject == client else str(caller.subject)


class EndUser:
    async def authenticate(self, request: Request, state: Any, tenant: Any) -> UserToken:
        token = bearer_token(request.headers.get("authorization"))
        lookup: TokenLookup | None = state.user_tokens
        found = await lookup.find_access_token(tenant.id, token) if lookup is not None and token else None
        if found is None or not found.account_id:
            raise LogtoError("auth.unauthorized", 401)
        if "openid" not in found.scopes:
            raise LogtoError("auth.forbidden", 403)
        return found

    def limit_key(self, caller: UserToken) -> str | None:
        return f"user:{caller.account_id}"

    def idempotency_scope(self, caller: UserToken) -> tuple[str, str]:
        return caller.client_id or "", str(caller.account_id)


class Interaction:
    async def authenticate(self, request: Request, state: Any, tenant: Any) -> Any:
        cookie = request.cookies.get(INTERACTION_COOKIE)
        lookup: InteractionLookup | None = state.interactions
        found = await lookup.find_interaction(tenant.id, cookie) if lookup is not None and cookie else None
        if found is None:
            raise LogtoError("session.interaction_not_found", 404)
        return found

    def limit_key(self, caller: Any) -> str | None:
        return None


class Public:
    async def authenticate(self, request: Request, state: Any, tenant: Any) -> None:
        return None

    def limit_key(self, caller: Any) -> str | None:
        return None


POLICIES: dict[str, Policy] = {
    "management": Management(),
    "end_user": EndUser(),
    "interaction": Interaction(),
    "public": Public(),
}
