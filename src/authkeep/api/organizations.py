"""Organizations routes (Logto tag "Organizations", 36 operations): organizations, their user
and application members with organization roles, and just-in-time provisioning rules.

Error codes follow Logto's organization routers: FK violations are 422
`entity.relation_foreign_key_not_found`, unique violations 422 `entity.unique_integrity_violation`,
wrong role or application types 422 `entity.db_constraint_violated` (logto-facts §12).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from authkeep import clock, ids, paging, web
from authkeep.api.context import Ctx
from authkeep.domain import organizations as rules
from authkeep.domain.organizations import dedupe, guarded
from authkeep.errors import LogtoError, not_exists_with_id, not_found
from authkeep.store import organizations as store
from authkeep.store import tables as T

router = web.ApiRouter()
Handler = Callable[[Ctx], Awaitable[Any]]
TABLE = "organizations"


def route(register: Callable[[Handler], Handler]) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        register(guarded(fn))
        return fn

    return deco


async def body_of(ctx: Ctx, model: type[web.M]) -> web.M:
    """The body as `model` (NUL bytes are refused by `web.read_json`)."""
    return await web.read_body(ctx.request, model)


def page_of(ctx: Ctx, optional: bool = False) -> paging.Page | None:
    return paging.parse_page(ctx.request, optional=optional)


def required_page(ctx: Ctx) -> paging.Page:
    page = paging.parse_page(ctx.request)
    assert page is not None
    return page


async def _lock_org(conn: AsyncConnection, ctx: Ctx, needed: bool = True) -> bool:
    """Locks the organization for this write. A missing one is Logto's FK violation when rows
    would reference it (`needed`)."""
    found = await store.lock_organization(conn, ctx.tenant_id, ctx.param("id"))
    if not found and needed:
        raise rules.foreign_key_error()
    return found


# --- organizations -----------------------------------------------------------------------------------


@route(router.get("/organizations"))
async def list_organizations(ctx: Ctx) -> Response:
    page = required_page(ctx)
    keyword = ctx.query.get("q")
    featured = web.yes(ctx.query.get("showFeatured"))

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        found, total = await store.list_organizations(conn, ctx.tenant_id, keyword, page)
        items = [store.organization_out(r) for r in found]
        if featured:
            counts, users = await store.featured_members(conn, ctx.tenant_id, [i["id"] for i in items])
            items = [{**i, "usersCount": counts[i["id"]], "featuredUsers": users[i["id"]]} for i in items]
        return items, total

    items, total = await rules.read(ctx.db, work)
    return paging.paged(ctx.request, items, total, page)


@route(router.post("/organizations"))
async def create_organization(ctx: Ctx) -> dict[str, Any]:
    body = await body_of(ctx, rules.OrganizationCreate)
    values = {
        "tenant_id": ctx.tenant_id,
        "id": ids.short_id(),
        "custom_data": {},
        "is_mfa_required": False,
        "color": {},
        "branding": {},
        "created_at": clock.now_ms(),
        **rules.organization_values(body),
    }

    async def work(conn: AsyncConnection) -> Any:
        return await store.insert_organization(conn, values)

    return store.organization_out(await rules.write(ctx.db, work))


@route(router.get("/organizations/{id}"))
async def get_organization(ctx: Ctx) -> dict[str, Any]:
    async def work(conn: AsyncConnection) -> Any:
        return await store.find_organization(conn, ctx.tenant_id, ctx.param("id"))

    row = await rules.read(ctx.db, work)
    if row is None:
        raise not_exists_with_id(TABLE, ctx.param("id"))
    return store.organization_out(row)


@route(router.patch("/organizations/{id}"))
async def update_organization(ctx: Ctx) -> dict[str, Any]:
    body = await body_of(ctx, rules.OrganizationPatch)
    values = rules.organization_values(body)

    async def work(conn: AsyncConnection) -> Any:
        return await store.update_organization(conn, ctx.tenant_id, ctx.param("id"), values)

    row = await rules.write(ctx.db, work)
    if row is None:
        raise LogtoError("entity.not_exists", 404, name="organization")
    return store.organization_out(row)


@route(router.delete("/organizations/{id}"))
async def delete_organization(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.delete_organization(conn, ctx.tenant_id, ctx.param("id"))

    if not await rules.write(ctx.db, work):
        raise not_found()


# --- user members ------------------------------------------------------------------------------------


class MemberQuery(web.Body):
    q: str = None  # type: ignore[assignment]
    organizationRoleId: rules.Id = None  # type: ignore[assignment]


@route(router.get("/organizations/{id}/users"))
async def list_members(ctx: Ctx) -> Response:
    page = required_page(ctx)
    keys = ("q", "organizationRoleId")
    query = web.validate(MemberQuery, {k: ctx.query[k] for k in keys if k in ctx.query}, where="query")

    items, total = await rules.guard_db(
        store.list_members(ctx.db, ctx.tenant_id, ctx.param("id"), page, query.q, query.organizationRoleId)
    )
    return paging.paged(ctx.request, items, total, page)


async def _check_users(conn: AsyncConnection, ctx: Ctx, user_ids: list[str]) -> None:
    found = await store.users_existing(conn, ctx.tenant_id, user_ids)
    if len(found) < len(set(user_ids)):
        raise rules.foreign_key_error()


@route(router.post("/organizations/{id}/users"))
async def add_members(ctx: Ctx) -> dict[str, Any]:
    body = await body_of(ctx, rules.UserIds)
    user_ids = dedupe(body.userIds)

    async def work(conn: AsyncConnection) -> None:
        await _lock_org(conn, ctx)
        await _check_users(conn, ctx, user_ids)
        await store.add_members(conn, ctx.tenant_id, ctx.param("id"), user_ids)

    await rules.write(ctx.db, work)
    return {"userIds": body.userIds}  # echoed as sent, as Logto


@route(router.put("/organizations/{id}/users", status=204))
async def replace_members(ctx: Ctx) -> None:
    body = await body_of(ctx, rules.UserIdsOrEmpty)
    user_ids = dedupe(body.userIds)

    async def work(conn: AsyncConnection) -> None:
        if not await _lock_org(conn, ctx, needed=bool(user_ids)):
            return
        await _check_users(conn, ctx, user_ids)
        await store.replace_members(conn, ctx.tenant_id, ctx.param("id"), user_ids)

    await rules.write(ctx.db, work)


@route(router.delete("/organizations/{id}/users/{userId}"))
async def remove_member(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        await _lock_org(conn, ctx, needed=False)
        return await store.remove_member(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))

    if not await rules.write(ctx.db, work):
        raise not_found()


def _pairs(first: list[str], roles: list[str]) -> list[tuple[str, str]]:
    pairs = [(a, r) for r in dedupe(roles) for a in dedupe(first)]
    if len(pairs) > rules.MAX_PAIRS:
        raise rules.invalid_input(f"At most {rules.MAX_PAIRS} assignments can be made at once.")
    return pairs


async def _check_roles(conn: AsyncConnection, ctx: Ctx, role_ids: list[str], role_type: str | None) -> None:
    found = await store.types_of(conn, T.organization_roles, ctx.tenant_id, role_ids)
    rules.check_types(found, role_ids, role_type)


@route(router.post("/organizations/{id}/users/roles"))
async def add_members_roles(ctx: Ctx) -> None:
    body = await body_of(ctx, rules.UsersRoles)
    pairs = _pairs(body.userIds, body.organizationRoleIds)

    async def work(conn: AsyncConnection) -> None:
        await _lock_org(conn, ctx)
        await _check_roles(conn, ctx, body.organizationRoleIds, "User")
        members = await store.members_among(conn, ctx.tenant_id, ctx.param("id"), dedupe(body.userIds))
        if len(members) < len(set(body.userIds)):
            raise rules.foreign_key_error()  # Logto: the membership FK of the role relation
        await store.add_member_roles(conn, ctx.tenant_id, ctx.param("id"), pairs)

    await rules.write(ctx.db, work)


async def _require_member(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.is_member(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))

    if not await rules.read(ctx.db, work):
        raise rules.require_membership()


@route(router.get("/organizations/{id}/users/{userId}/roles"))
async def list_member_roles(ctx: Ctx) -> Response:
    await _require_member(ctx)
    page = page_of(ctx, optional=True)

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.member_roles(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"), page)

    items, total = await rules.read(ctx.db, work)
    return paging.paged(ctx.request, items, total, page)


async def _role_ids_from(conn: AsyncConnection, ctx: Ctx, body: rules.RoleIdsOrNames) -> list[str]:
    names = dedupe(body.organizationRoleNames or [])
    by_name = await store.roles_by_names(conn, ctx.tenant_id, names)
    missing = [n for n in (body.organizationRoleNames or []) if n not in by_name]
    if missing:
        raise rules.role_names_not_found(missing)
    return dedupe([*(body.organizationRoleIds or []), *(by_name[n] for n in names)])


@route(router.post("/organizations/{id}/users/{userId}/roles"))
async def add_member_roles(ctx: Ctx) -> dict[str, Any]:
    await _require_member(ctx)
    body = await body_of(ctx, rules.RoleIdsOrNames)

    async def work(conn: AsyncConnection) -> list[str]:
        await _lock_org(conn, ctx)
        role_ids = await _role_ids_from(conn, ctx, body)
        await _check_roles(conn, ctx, role_ids, "User")
        if not await store.is_member(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId")):
            raise rules.foreign_key_error()  # removed meanwhile
        await store.add_member_roles(
            conn, ctx.tenant_id, ctx.param("id"), [(ctx.param("userId"), r) for r in role_ids]
        )
        return role_ids

    return {"organizationRoleIds": await rules.write(ctx.db, work)}


@route(router.put("/organizations/{id}/users/{userId}/roles", status=204))
async def replace_member_roles(ctx: Ctx) -> None:
    await _require_member(ctx)
    body = await body_of(ctx, rules.RoleIdsOrNames)

    async def work(conn: AsyncConnection) -> None:
        await _lock_org(conn, ctx)
        role_ids = await _role_ids_from(conn, ctx, body)
        await _check_roles(conn, ctx, role_ids, "User")
        if role_ids and not await store.is_member(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId")):
            raise rules.foreign_key_error()
        await store.replace_member_roles(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"), role_ids)

    await rules.write(ctx.db, work)


@route(router.delete("/organizations/{id}/users/{userId}/roles/{organizationRoleId}"))
async def remove_member_role(ctx: Ctx) -> None:
    await _require_member(ctx)

    async def work(conn: AsyncConnection) -> bool:
        await _lock_org(conn, ctx, needed=False)
        return await store.remove_member_role(
            conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"), ctx.param("organizationRoleId")
        )

    if not await rules.write(ctx.db, work):
        raise not_found()


@route(router.get("/organizations/{id}/users/{userId}/scopes"))
async def list_member_scopes(ctx: Ctx) -> list[dict[str, Any]]:
    async def work(conn: AsyncConnection) -> list[dict[str, Any]]:
        return await store.member_scopes(conn, ctx.tenant_id, ctx.param("id"), ctx.param("userId"))

    return await rules.read(ctx.db, work)


# --- application members (machine-to-machine only) ----------------------------------------------------


@route(router.get("/organizations/{id}/applications"))
async def list_applications(ctx: Ctx) -> Response:
    page = required_page(ctx)

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.list_applications(
            conn, ctx.tenant_id, ctx.param("id"), page, ctx.query.get("q"), ctx.state.box
        )

    items, total = await rules.read(ctx.db, work)
    return paging.paged(ctx.request, items, total, page)


async def _check_apps(conn: AsyncConnection, ctx: Ctx, app_ids: list[str]) -> None:
    found = await store.types_of(conn, T.applications, ctx.tenant_id, app_ids)
    rules.check_types(found, app_ids, rules.M2M)


@route(router.post("/organizations/{id}/applications"))
async def add_applications(ctx: Ctx) -> None:
    body = await body_of(ctx, rules.ApplicationIds)
    app_ids = dedupe(body.applicationIds)

    async def work(conn: AsyncConnection) -> None:
        await _lock_org(conn, ctx)
        await _check_apps(conn, ctx, app_ids)
        await store.add_applications(conn, ctx.tenant_id, ctx.param("id"), app_ids)

    await rules.write(ctx.db, work)


@route(router.put("/organizations/{id}/applications", status=204))
async def replace_applications(ctx: Ctx) -> None:
    body = await body_of(ctx, rules.ApplicationIdsOrEmpty)
    app_ids = dedupe(body.applicationIds)

    async def work(conn: AsyncConnection) -> None:
        if not await _lock_org(conn, ctx, needed=bool(app_ids)):
            return
        await _check_apps(conn, ctx, app_ids)
        await store.replace_applications(conn, ctx.tenant_id, ctx.param("id"), app_ids)

    await rules.write(ctx.db, work)


@route(router.delete("/organizations/{id}/applications/{applicationId}"))
async def remove_application(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        await _lock_org(conn, ctx, needed=False)
        return await store.remove_application(conn, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"))

    if not await rules.write(ctx.db, work):
        raise not_found()


@route(router.post("/organizations/{id}/applications/roles"))
async def add_applications_roles(ctx: Ctx) -> None:
    body = await body_of(ctx, rules.ApplicationsRoles)
    pairs = _pairs(body.applicationIds, body.organizationRoleIds)

    async def work(conn: AsyncConnection) -> None:
        await _lock_org(conn, ctx)
        await _check_roles(conn, ctx, body.organizationRoleIds, rules.M2M)
        members = await store.app_members_among(conn, ctx.tenant_id, ctx.param("id"), dedupe(body.applicationIds))
        if len(members) < len(set(body.applicationIds)):
            raise rules.foreign_key_error()
        await store.add_app_roles(conn, ctx.tenant_id, ctx.param("id"), pairs)

    await rules.write(ctx.db, work)


async def _require_app_member(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.is_app_member(conn, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"))

    if not await rules.read(ctx.db, work):
        raise rules.require_membership()


@route(router.get("/organizations/{id}/applications/{applicationId}/roles"))
async def list_application_roles(ctx: Ctx) -> Response:
    await _require_app_member(ctx)
    page = page_of(ctx, optional=True)

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.app_roles(conn, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"), page)

    items, total = await rules.read(ctx.db, work)
    return paging.paged(ctx.request, items, total, page)


async def _write_app_roles(ctx: Ctx, replace: bool) -> None:
    await _require_app_member(ctx)
    body = await body_of(ctx, rules.OrganizationRoleIds)
    role_ids = dedupe(body.organizationRoleIds)
    org_id, app_id = ctx.param("id"), ctx.param("applicationId")

    async def work(conn: AsyncConnection) -> None:
        await _lock_org(conn, ctx)
        await _check_roles(conn, ctx, role_ids, rules.M2M)
        if not await store.is_app_member(conn, ctx.tenant_id, org_id, app_id):
            raise rules.foreign_key_error()
        if replace:
            await store.replace_app_roles(conn, ctx.tenant_id, org_id, app_id, role_ids)
        else:
            await store.add_app_roles(conn, ctx.tenant_id, org_id, [(app_id, r) for r in role_ids])

    await rules.write(ctx.db, work)


@route(router.post("/organizations/{id}/applications/{applicationId}/roles"))
async def add_application_roles(ctx: Ctx) -> None:
    await _write_app_roles(ctx, replace=False)


@route(router.put("/organizations/{id}/applications/{applicationId}/roles", status=204))
async def replace_application_roles(ctx: Ctx) -> None:
    await _write_app_roles(ctx, replace=True)


@route(router.delete("/organizations/{id}/applications/{applicationId}/roles/{organizationRoleId}"))
async def remove_application_role(ctx: Ctx) -> None:
    await _require_app_member(ctx)

    async def work(conn: AsyncConnection) -> bool:
        await _lock_org(conn, ctx, needed=False)
        return await store.remove_app_role(
            conn, ctx.tenant_id, ctx.param("id"), ctx.param("applicationId"), ctx.param("organizationRoleId")
        )

    if not await rules.write(ctx.db, work):
        raise not_found()


# --- just-in-time provisioning --------------------------------------------------------------------------

EMAIL_DOMAIN_MAX = 128


@route(router.get("/organizations/{id}/jit/email-domains"))
async def list_email_domains(ctx: Ctx) -> Response:
    page = page_of(ctx, optional=True)

    async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
        return await store.email_domains(conn, ctx.tenant_id, ctx.param("id"), page)

    items, total = await rules.read(ctx.db, work)
    return paging.paged(ctx.request, items, total, page)


@route(router.post("/organizations/{id}/jit/email-domains"))
async def add_email_domain(ctx: Ctx) -> dict[str, Any]:
    body = await body_of(ctx, rules.EmailDomain)
    if len(body.emailDomain) > EMAIL_DOMAIN_MAX:
        raise rules.value_too_long()

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        await _lock_org(conn, ctx)
        return await store.add_email_domain(conn, ctx.tenant_id, ctx.param("id"), body.emailDomain)

    return await rules.write(ctx.db, work)


@route(router.put("/organizations/{id}/jit/email-domains", status=204))
async def replace_email_domains(ctx: Ctx) -> None:
    body = await body_of(ctx, rules.EmailDomains)
    domains = dedupe(body.emailDomains)
    if any(len(d) > EMAIL_DOMAIN_MAX for d in domains):
        raise rules.value_too_long()

    async def work(conn: AsyncConnection) -> None:
        if not await _lock_org(conn, ctx, needed=bool(domains)):
            return
        await store.replace_email_domains(conn, ctx.tenant_id, ctx.param("id"), domains)

    await rules.write(ctx.db, work)


@route(router.delete("/organizations/{id}/jit/email-domains/{emailDomain}"))
async def remove_email_domain(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        await _lock_org(conn, ctx, needed=False)
        return await store.remove_email_domain(conn, ctx.tenant_id, ctx.param("id"), ctx.param("emailDomain"))

    if not await rules.write(ctx.db, work):
        raise not_found()


def _jit_routes(kind: str, key: str, param: str, table: Any) -> None:
    """GET/POST/PUT/DELETE of a two-id JIT relation (SchemaRouter's `addRelationRoutes`)."""
    single, empty_ok = {
        "roles": (rules.OrganizationRoleIds, rules.OrganizationRoleIdsOrEmpty),
        "sso-connectors": (rules.SsoConnectorIds, rules.SsoConnectorIdsOrEmpty),
    }[kind]
    lister = {"roles": store.jit_roles, "sso-connectors": store.jit_sso_connectors}[kind]
    path = f"/organizations/{{id}}/jit/{kind}"

    async def check(conn: AsyncConnection, ctx: Ctx, member_ids: list[str]) -> None:
        found = await store.existing_ids(conn, table, ctx.tenant_id, member_ids)
        if len(found) < len(member_ids):
            raise rules.foreign_key_error()

    async def list_(ctx: Ctx) -> Response:
        page = page_of(ctx, optional=True)

        async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
            if not await store.organization_exists(conn, ctx.tenant_id, ctx.param("id")):
                raise not_exists_with_id(TABLE, ctx.param("id"))
            return await lister(conn, ctx.tenant_id, ctx.param("id"), page)

        items, total = await rules.read(ctx.db, work)
        return paging.paged(ctx.request, items, total, page)

    async def add(ctx: Ctx) -> None:
        member_ids = dedupe(getattr(await body_of(ctx, single), key))

        async def work(conn: AsyncConnection) -> None:
            await _lock_org(conn, ctx)
            await check(conn, ctx, member_ids)
            await store.add_jit(conn, kind, ctx.tenant_id, ctx.param("id"), member_ids)

        await rules.write(ctx.db, work)

    async def replace(ctx: Ctx) -> None:
        member_ids = dedupe(getattr(await body_of(ctx, empty_ok), key))

        async def work(conn: AsyncConnection) -> None:
            if not await _lock_org(conn, ctx, needed=bool(member_ids)):
                return
            await check(conn, ctx, member_ids)
            await store.replace_jit(conn, kind, ctx.tenant_id, ctx.param("id"), member_ids)

        await rules.write(ctx.db, work)

    async def remove(ctx: Ctx) -> None:
        async def work(conn: AsyncConnection) -> bool:
            await _lock_org(conn, ctx, needed=False)
            return await store.remove_jit(conn, kind, ctx.tenant_id, ctx.param("id"), ctx.param(param))

        if not await rules.write(ctx.db, work):
            raise not_found()

    name = kind.replace("-", "_")
    for fn, verb in ((list_, "list"), (add, "add"), (replace, "replace"), (remove, "remove")):
        fn.__name__ = fn.__qualname__ = f"{verb}_jit_{name}"
    route(router.get(path))(list_)
    route(router.post(path))(add)
    route(router.put(path, status=204))(replace)
    route(router.delete(f"{path}/{{{param}}}"))(remove)


_jit_routes("roles", "organizationRoleIds", "organizationRoleId", T.organization_roles)
_jit_routes("sso-connectors", "ssoConnectorIds", "ssoConnectorId", T.sso_connectors)
