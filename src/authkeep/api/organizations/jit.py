"""Organization just-in-time provisioning: e-mail domains, roles and SSO connectors."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.organizations import schemas
from authkeep.domain import organizations as rules
from authkeep.domain.organizations import dedupe
from authkeep.errors import not_exists_with_id, not_found
from authkeep.store import organizations as store

router = ApiRouter(policy="management", family="organizations")
TABLE = "organizations"


# --- just-in-time provisioning --------------------------------------------------------------------------

EMAIL_DOMAIN_MAX = 128


@router.get("/organizations/{id}/jit/email-domains", paged="optional")
async def list_email_domains(ctx: Ctx) -> Response:
    page = ctx.page

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.email_domains(conn, ctx.tenant_id, ctx.param("id"), page)

    items, total = await rules.read(ctx.db, work)
    return ctx.paged(items, total)


@router.post("/organizations/{id}/jit/email-domains", body=schemas.EmailDomain)
async def add_email_domain(ctx: Ctx) -> dict[str, Any]:
    body: schemas.EmailDomain = ctx.body
    if len(body.emailDomain) > EMAIL_DOMAIN_MAX:
        raise rules.value_too_long()

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
        return await store.add_email_domain(conn, ctx.tenant_id, ctx.param("id"), body.emailDomain)

    return await rules.write(ctx.db, work)


@router.put("/organizations/{id}/jit/email-domains", status=204, body=schemas.EmailDomains)
async def replace_email_domains(ctx: Ctx) -> None:
    body: schemas.EmailDomains = ctx.body
    domains = dedupe(body.emailDomains)
    if any(len(d) > EMAIL_DOMAIN_MAX for d in domains):
        raise rules.value_too_long()

    async def work(conn: AsyncConnection) -> None:
        if not await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=bool(domains)):
            return
        await store.replace_email_domains(conn, ctx.tenant_id, ctx.param("id"), domains)

    await rules.write(ctx.db, work)


@router.delete("/organizations/{id}/jit/email-domains/{emailDomain}")
async def remove_email_domain(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=False)
        return await store.remove_email_domain(conn, ctx.tenant_id, ctx.param("id"), ctx.param("emailDomain"))

    if not await rules.write(ctx.db, work):
        raise not_found()


def _jit_routes(kind: str, key: str, param: str) -> None:
    """GET/POST/PUT/DELETE of a two-id JIT relation (SchemaRouter's `addRelationRoutes`)."""
    single, empty_ok = {
        "roles": (schemas.OrganizationRoleIds, schemas.OrganizationRoleIdsOrEmpty),
        "sso-connectors": (schemas.SsoConnectorIds, schemas.SsoConnectorIdsOrEmpty),
    }[kind]
    lister = {"roles": store.jit_roles, "sso-connectors": store.jit_sso_connectors}[kind]
    path = f"/organizations/{{id}}/jit/{kind}"

    async def list_(ctx: Ctx) -> Response:
        page = ctx.page

        async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
            if not await store.organization_exists(conn, ctx.tenant_id, ctx.param("id")):
                raise not_exists_with_id(TABLE, ctx.param("id"))
            return await lister(conn, ctx.tenant_id, ctx.param("id"), page)

        items, total = await rules.read(ctx.db, work)
        return ctx.paged(items, total)

    async def add(ctx: Ctx) -> None:
        member_ids = dedupe(getattr(ctx.body, key))

        async def work(conn: AsyncConnection) -> None:
            await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
            await rules.check_jit_targets(conn, kind, ctx.tenant_id, member_ids)
            await store.add_jit(conn, kind, ctx.tenant_id, ctx.param("id"), member_ids)

        await rules.write(ctx.db, work)

    async def replace(ctx: Ctx) -> None:
        member_ids = dedupe(getattr(ctx.body, key))

        async def work(conn: AsyncConnection) -> None:
            if not await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=bool(member_ids)):
                return
            await rules.check_jit_targets(conn, kind, ctx.tenant_id, member_ids)
            await store.replace_jit(conn, kind, ctx.tenant_id, ctx.param("id"), member_ids)

        await rules.write(ctx.db, work)

    async def remove(ctx: Ctx) -> None:
        async def work(conn: AsyncConnection) -> bool:
            await rules.lock_organization(conn, ctx.tenant_id, ctx.param("id"), needed=False)
            return await store.remove_jit(conn, kind, ctx.tenant_id, ctx.param("id"), ctx.param(param))

        if not await rules.write(ctx.db, work):
            raise not_found()

    name = kind.replace("-", "_")
    for fn, verb in ((list_, "list"), (add, "add"), (replace, "replace"), (remove, "remove")):
        fn.__name__ = fn.__qualname__ = f"{verb}_jit_{name}"
    router.get(path, paged="optional")(list_)
    router.post(path, body=single)(add)
    router.put(path, status=204, body=empty_ok)(replace)
    router.delete(f"{path}/{{{param}}}")(remove)


_jit_routes("roles", "organizationRoleIds", "organizationRoleId")
_jit_routes("sso-connectors", "ssoConnectorIds", "ssoConnectorId")
