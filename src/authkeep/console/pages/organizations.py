"""Organizations: list, create, members with their organization roles, invitations; org roles."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from authkeep import clock
from authkeep.console.api import ApiError
from authkeep.console.pages.applications import like
from authkeep.console.web import (
    PAGE_SIZE,
    Cx,
    Pager,
    action,
    confirm_page,
    explain,
    page,
    page_number,
    post_chosen,
    seg,
    text,
    values,
)

DAY_MS = 86_400_000


@page
async def list_orgs(cx: Cx) -> Response:
    q = cx.request.query_params.get("q", "").strip()
    number = page_number(cx.request)
    items, total = await cx.api.page(
        "/organizations", page=number, page_size=PAGE_SIZE, q=q or None, showFeatured="true"
    )
    pager = Pager(number, PAGE_SIZE, total, "/organizations", {"q": q})
    return cx.render("orgs/list.html", nav="orgs", orgs=items, q=q, pager=pager)


@page
async def new_org(cx: Cx) -> Response:
    return cx.render("orgs/new.html", nav="orgs", form={}, error=None)


@action
async def create_org(cx: Cx, form: FormData) -> Response:
    body = {"name": text(form, "name"), "description": text(form, "description") or None}
    try:
        created = await cx.api.post("/organizations", body)
    except ApiError as exc:
        return cx.render("orgs/new.html", 400, nav="orgs", form=dict(form), error=explain(exc))
    return cx.redirect(f"/organizations/{seg(created['id'])}", notice="Organization created. Add members or invite people.")


@page
async def show_org(cx: Cx) -> Response:
    org_id = cx.param("id")
    org = await cx.api.get(f"/organizations/{seg(org_id)}")
    members, member_total = await cx.api.page(f"/organizations/{seg(org_id)}/users", page_size=100)
    invitations = await cx.api.get("/organization-invitations", organizationId=org_id)
    org_roles, _ = await cx.api.page("/organization-roles", page_size=100)
    find = cx.request.query_params.get("find", "").strip()
    candidates: list[dict[str, Any]] = []
    if find:
        candidates, _ = await cx.api.page(
            "/users", search=like(find), excludeOrganizationId=org_id, page_size=20
        )
    return cx.render(
        "orgs/detail.html",
        nav="orgs",
        org=org,
        members=members,
        member_total=member_total,
        invitations=sorted(invitations, key=lambda i: -i.get("createdAt", 0)),
        org_roles=org_roles,
        find=find,
        candidates=candidates,
    )


def _here(cx: Cx, anchor: str = "") -> str:
    return f"/organizations/{seg(cx.param('id'))}{anchor}"


@action
async def update_org(cx: Cx, form: FormData) -> Response:
    body = {"name": text(form, "name"), "description": text(form, "description") or None}
    await cx.api.patch(f"/organizations/{seg(cx.param('id'))}", body)
    return cx.redirect(_here(cx), notice="Changes saved.")


@action
async def add_members(cx: Cx, form: FormData) -> Response:
    path = f"/organizations/{seg(cx.param('id'))}/users"
    return await post_chosen(
        cx, form, "user", path, "userIds", _here(cx, "#members"), "Choose at least one user.", "Members added."
    )


@action
async def remove_member(cx: Cx, form: FormData) -> Response:
    await cx.api.delete(f"/organizations/{seg(cx.param('id'))}/users/{seg(text(form, 'user'))}")
    return cx.redirect(_here(cx, "#members"), notice="Member removed.")


@action
async def add_member_role(cx: Cx, form: FormData) -> Response:
    role_id = text(form, "role")
    if not role_id:
        return cx.redirect(_here(cx, "#members"), error="Choose a role.")
    path = f"/organizations/{seg(cx.param('id'))}/users/{seg(text(form, 'user'))}/roles"
    await cx.api.post(path, {"organizationRoleIds": [role_id]})
    return cx.redirect(_here(cx, "#members"), notice="Role given.")


@action
async def remove_member_role(cx: Cx, form: FormData) -> Response:
    path = f"/organizations/{seg(cx.param('id'))}/users/{seg(text(form, 'user'))}/roles/{seg(text(form, 'role'))}"
    await cx.api.delete(path)
    return cx.redirect(_here(cx, "#members"), notice="Role removed.")


@action
async def invite(cx: Cx, form: FormData) -> Response:
    days = text(form, "expires_days") or "7"
    if not days.isdigit() or not 0 < int(days) <= 365:
        return cx.redirect(_here(cx, "#invitations"), error="Expiry must be a number of days from 1 to 365.")
    body = {
        "invitee": text(form, "invitee"),
        "organizationId": cx.param("id"),
        "expiresAt": clock.now_ms() + int(days) * DAY_MS,
        "organizationRoleIds": values(form, "role"),
        "messagePayload": False,
    }
    await cx.api.post("/organization-invitations", body)
    return cx.redirect(_here(cx, "#invitations"), notice=f"Invitation created for {body['invitee']}.")


@action
async def revoke(cx: Cx, form: FormData) -> Response:
    await cx.api.put(f"/organization-invitations/{seg(text(form, 'invitation'))}/status", {"status": "Revoked"})
    return cx.redirect(_here(cx, "#invitations"), notice="Invitation revoked.")


@action
async def delete_invitation(cx: Cx, form: FormData) -> Response:
    await cx.api.delete(f"/organization-invitations/{seg(text(form, 'invitation'))}")
    return cx.redirect(_here(cx, "#invitations"), notice="Invitation deleted.")


@page
async def confirm_delete(cx: Cx) -> Response:
    org = await cx.api.get(f"/organizations/{seg(cx.param('id'))}")
    return confirm_page(
        cx,
        "orgs",
        f"/organizations/{seg(org['id'])}",
        title=f"Delete organization “{org['name']}”?",
        warning="Its memberships and invitations are removed. Users themselves are kept.",
        button="Delete organization",
    )


@action
async def delete_org(cx: Cx, _form: FormData) -> Response:
    await cx.api.delete(f"/organizations/{seg(cx.param('id'))}")
    return cx.redirect("/organizations", notice="Organization deleted.")


@page
async def list_org_roles(cx: Cx) -> Response:
    number = page_number(cx.request)
    items, total = await cx.api.page("/organization-roles", page=number, page_size=PAGE_SIZE)
    pager = Pager(number, PAGE_SIZE, total, "/organization-roles", {})
    return cx.render("orgs/roles.html", nav="orgs", roles=items, pager=pager)


@action
async def create_org_role(cx: Cx, form: FormData) -> Response:
    body = {"name": text(form, "name"), "description": text(form, "description") or None}
    await cx.api.post("/organization-roles", body)
    return cx.redirect("/organization-roles", notice=f"Organization role “{body['name']}” created.")


@action
async def delete_org_role(cx: Cx, form: FormData) -> Response:
    await cx.api.delete(f"/organization-roles/{seg(text(form, 'role'))}")
    return cx.redirect("/organization-roles", notice="Organization role deleted.")


routes = [
    Route("/organizations", list_orgs, methods=["GET"]),
    Route("/organizations/new", new_org, methods=["GET"]),
    Route("/organizations", create_org, methods=["POST"]),
    Route("/organizations/{id}", show_org, methods=["GET"]),
    Route("/organizations/{id}", update_org, methods=["POST"]),
    Route("/organizations/{id}/members", add_members, methods=["POST"]),
    Route("/organizations/{id}/members/remove", remove_member, methods=["POST"]),
    Route("/organizations/{id}/members/roles", add_member_role, methods=["POST"]),
    Route("/organizations/{id}/members/roles/remove", remove_member_role, methods=["POST"]),
    Route("/organizations/{id}/invitations", invite, methods=["POST"]),
    Route("/organizations/{id}/invitations/revoke", revoke, methods=["POST"]),
    Route("/organizations/{id}/invitations/delete", delete_invitation, methods=["POST"]),
    Route("/organizations/{id}/delete", confirm_delete, methods=["GET"]),
    Route("/organizations/{id}/delete", delete_org, methods=["POST"]),
    Route("/organization-roles", list_org_roles, methods=["GET"]),
    Route("/organization-roles", create_org_role, methods=["POST"]),
    Route("/organization-roles/delete", delete_org_role, methods=["POST"]),
]
