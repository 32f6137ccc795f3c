"""A user's social and enterprise SSO identities (Logto tag "Users")."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.common import user_wire
from authkeep.api.users.schemas import IdentityBody, LinkIdentityBody
from authkeep.errors import LogtoError
from authkeep.store import users as store

router = ApiRouter(policy="management", family="users")


@router.put("/users/{userId}/identities/{target}", body=IdentityBody)
async def put_identity(ctx: Ctx) -> Response:
    body: IdentityBody = ctx.body
    identity = body.model_dump(by_alias=True, exclude_unset=True)
    user_id, target = ctx.param("userId"), ctx.param("target")
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, user_id)
        if await store.identity_taken(conn, ctx.db.dialect, ctx.tenant_id, target, body.user_id, user_id):
            raise LogtoError("user.identity_already_in_use", 422)
        current = dict(row.identities or {})
        status = 200 if target in current else 201
        current[target] = identity
        row = await store.update_user(conn, ctx.tenant_id, user_id, {"identities": current})
    return web.json_response(row.identities, status)


@router.post("/users/{userId}/identities", body=LinkIdentityBody, status=200)
async def link_identity(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    # Linking calls the social connector with `connectorData`; authkeep has no connectors yet,
    # so every connector id is unknown, as in Logto for an id that is not installed.
    raise LogtoError("entity.not_found", 404, id=ctx.body.connector_id)


@router.delete("/users/{userId}/identities/{target}", status=200)
async def delete_identity(ctx: Ctx) -> dict[str, Any]:
    user_id, target = ctx.param("userId"), ctx.param("target")
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, user_id)
        current = dict(row.identities or {})
        if target not in current:
            raise LogtoError("user.identity_not_exist", 404)
        del current[target]
        row = await store.update_user(conn, ctx.tenant_id, user_id, {"identities": current})
    return user_wire(row)


@router.get("/users/{userId}/identities/{target}")
async def get_identity(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    identities = row.identities or {}
    target = ctx.param("target")
    if target not in identities:
        raise LogtoError("user.identity_not_exist", 404)
    # No secret vault: `includeTokenSecret` never adds a `tokenSecret`.
    return {"identity": identities[target]}


@router.get("/users/{userId}/sso-identities/{ssoConnectorId}")
async def get_sso_identity(ctx: Ctx) -> dict[str, Any]:
    connector = ctx.param("ssoConnectorId")
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        found = await store.sso_identities(conn, ctx.tenant_id, ctx.param("userId"))
    for identity in found:
        if identity["ssoConnectorId"] == connector:
            return {"ssoIdentity": identity}
    raise LogtoError("user.enterprise_sso_identity_not_exists", 404, ssoConnectorId=connector)


@router.get("/users/{userId}/all-identities")
async def all_identities(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        sso = await store.sso_identities(conn, ctx.tenant_id, row.id)
    return {
        "socialIdentities": [{"target": t, "identity": i} for t, i in (row.identities or {}).items()],
        "ssoIdentities": [{"ssoConnectorId": s["ssoConnectorId"], "ssoIdentity": s} for s in sso],
    }
