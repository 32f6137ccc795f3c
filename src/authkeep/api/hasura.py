"""Hasura's webhook authentication (Logto's `GET /authn/hasura`, tag "Authn"): the caller's JWT
access token for `resource` becomes `X-Hasura-User-Id`, the `Expected-Role` header (one of the
user's roles) or `unauthorizedRole` becomes `X-Hasura-Role`. Anonymous: an invalid or missing
token is no user, never an error."""

from __future__ import annotations

from typing import Annotated, Any

from joserfc.errors import JoseError
from pydantic import Field

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.auth.bearer import verify_jwt
from authkeep.auth.policies import bearer_token
from authkeep.errors import LogtoError
from authkeep.store import oidc_users

router = ApiRouter(policy="public", family="users")


class HasuraQuery(web.Query):
    resource: Annotated[str, Field(min_length=1)]
    unauthorizedRole: str = None  # type: ignore[assignment]


async def _subject(ctx: Ctx, resource: str | None) -> str | None:
    try:
        token = bearer_token(ctx.request.headers.get("authorization"))
        principal = await verify_jwt(ctx.tenant_id, ctx.tenant.keys, ctx.tenant.issuer, resource, token)
    except (LogtoError, JoseError, ValueError, TypeError):
        return None
    return principal.subject


@router.get("/authn/hasura", query=HasuraQuery, cache=False)
async def hasura(ctx: Ctx) -> Any:
    query: HasuraQuery = ctx.q
    expected = ctx.request.headers.get("expected-role")
    sub = await _subject(ctx, query.resource)
    roles: set[str] = set()
    if sub:
        async with ctx.db.read() as conn:
            roles = set(await oidc_users.role_names(conn, ctx.tenant_id, sub))
    if query.unauthorizedRole and (not expected or expected not in roles):
        # The token may be valid for another resource: Logto names its user anyway.
        user = sub if sub is not None else await _subject(ctx, None)
        return _answer(user, query.unauthorizedRole)
    if expected and expected not in roles:
        raise LogtoError("auth.expected_role_not_found", 401)
    return _answer(sub, expected)


def _answer(user: str | None, role: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if user is not None:
        out["X-Hasura-User-Id"] = user
    if role is not None:
        out["X-Hasura-Role"] = role
    return out
