"""Roles (User and machine-to-machine): permissions, assigned users and apps."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from authkeep.console.api import ApiError
from authkeep.console.pages.applications import like, management_roles
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
from authkeep.domain.management_api import is_management_api

ROLE_TYPES = {"User": "User", "MachineToMachine": "Machine-to-machine"}


@page
async def list_roles(cx: Cx) -> Response:
    q = cx.request.query_params.get("q", "").strip()
    kind = cx.request.query_params.get("type", "")
    kind = kind if kind in ROLE_TYPES else ""
    number = page_number(cx.request)
    items, total = await cx.api.page(
        "/roles", page=number, page_size=PAGE_SIZE, type=kind or None, search=like(q) if q else None
    )
    pager = Pager(number, PAGE_SIZE, total, "/roles", {"q": q, "type": kind})
    return cx.render(
        "roles/list.html", nav="roles", roles=items, q=q, kind=kind, pager=pager,
        role_types=ROLE_TYPES, badges=await management_roles(cx),
    )


@page
async def new_role(cx: Cx) -> Response:
    kind = cx.request.query_params.get("type", "User")
    return cx.render("roles/new.html", nav="roles", form={"type": kind}, role_types=ROLE_TYPES, error=None)


@action
async def create_role(cx: Cx, form: FormData) -> Response:
    body = {"name": text(form, "name"), "description": text(form, "description"), "type": text(form, "type")}
    try:
        created = await cx.api.post("/roles", body)
    except ApiError as exc:
        return cx.render("roles/new.html", 400, nav="roles", form=dict(form), role_types=ROLE_TYPES, error=explain(exc))
    return cx.redirect(f"/roles/{seg(created['id'])}", notice="Role created. Give it permissions below.")


async def _scope_choices(cx: Cx, held: set[str], role_type: str) -> list[dict[str, Any]]:
    resources, _ = await cx.api.page("/resources", includeScopes="true", page_size=100)
    groups = []
    for resource in resources:
        if role_type == "User" and is_management_api(resource["indicator"]):
            continue  # the API refuses Management API scopes on user roles; do not offer them
        scopes = [s for s in resource.get("scopes", []) if s["id"] not in held]
        if scopes:
            groups.append({"resource": resource, "scopes": scopes})
    return groups


@page
async def show_role(cx: Cx) -> Response:
    role_id = cx.param("id")
    role = await cx.api.get(f"/roles/{seg(role_id)}")
    scopes, _ = await cx.api.page(f"/roles/{seg(role_id)}/scopes", page_size=100)
    context: dict[str, Any] = {"candidates": [], "find": ""}
    if role["type"] == "User":
        members, total = await cx.api.page(f"/roles/{seg(role_id)}/users", page_size=50)
        find = cx.request.query_params.get("find", "").strip()
        if find:
            found, _ = await cx.api.page("/users", search=like(find), page_size=20)
            held = {m["id"] for m in members}
            context = {"candidates": [u for u in found if u["id"] not in held], "find": find}
    else:
        members, total = await cx.api.page(f"/roles/{seg(role_id)}/applications", page_size=50)
        apps, _ = await cx.api.page(
            "/applications", types="MachineToMachine", excludeRoleId=role_id, page_size=100
        )
        context["candidates"] = apps
    return cx.render(
        "roles/detail.html",
        nav="roles",
        role=role,
        scopes=scopes,
        choices=await _scope_choices(cx, {s["id"] for s in scopes}, role["type"]),
        members=members,
        member_total=total,
        role_types=ROLE_TYPES,
        badge=role_id in await management_roles(cx),
        **context,
    )


def _back(cx: Cx, anchor: str = "") -> str:
    return f"/roles/{seg(cx.param('id'))}{anchor}"


@action
async def update_role(cx: Cx, form: FormData) -> Response:
    body = {"name": text(form, "name"), "description": text(form, "description")}
    await cx.api.patch(f"/roles/{seg(cx.param('id'))}", body)
    return cx.redirect(_back(cx), notice="Changes saved.")


@action
async def add_scopes(cx: Cx, form: FormData) -> Response:
    path = f"/roles/{seg(cx.param('id'))}/scopes"
    back = _back(cx, "#permissions")
    return await post_chosen(
        cx, form, "scope", path, "scopeIds", back, "Choose at least one permission.", "Permissions added."
    )


@action
async def remove_scope(cx: Cx, form: FormData) -> Response:
    await cx.api.delete(f"/roles/{seg(cx.param('id'))}/scopes/{seg(text(form, 'scope'))}")
    return cx.redirect(_back(cx, "#permissions"), notice="Permission removed.")


@action
async def add_members(cx: Cx, form: FormData) -> Response:
    role_id = cx.param("id")
    ids = values(form, "member")
    if not ids:
        return cx.redirect(_back(cx, "#members"), error="Choose at least one.")
    role = await cx.api.get(f"/roles/{seg(role_id)}")
    if role["type"] == "User":
        await cx.api.post(f"/roles/{seg(role_id)}/users", {"userIds": ids})
    else:
        await cx.api.post(f"/roles/{seg(role_id)}/applications", {"applicationIds": ids})
    return cx.redirect(_back(cx, "#members"), notice="Assigned.")


@action
async def remove_member(cx: Cx, form: FormData) -> Response:
    role_id = cx.param("id")
    kind = "users" if text(form, "kind") == "user" else "applications"
    await cx.api.delete(f"/roles/{seg(role_id)}/{kind}/{seg(text(form, 'member'))}")
    return cx.redirect(_back(cx, "#members"), notice="Removed from the role.")


@page
async def confirm_delete(cx: Cx) -> Response:
    role = await cx.api.get(f"/roles/{seg(cx.param('id'))}")
    return confirm_page(
        cx,
        "roles",
        f"/roles/{seg(role['id'])}",
        title=f"Delete role “{role['name']}”?",
        warning="Users and apps holding it lose its permissions. This cannot be undone.",
        button="Delete role",
    )


@action
async def delete_role(cx: Cx, _form: FormData) -> Response:
    await cx.api.delete(f"/roles/{seg(cx.param('id'))}")
    return cx.redirect("/roles", notice="Role deleted.")


routes = [
    Route("/roles", list_roles, methods=["GET"]),
    Route("/roles/new", new_role, methods=["GET"]),
    Route("/roles", create_role, methods=["POST"]),
    Route("/roles/{id}", show_role, methods=["GET"]),
    Route("/roles/{id}", update_role, methods=["POST"]),
    Route("/roles/{id}/scopes", add_scopes, methods=["POST"]),
    Route("/roles/{id}/scopes/remove", remove_scope, methods=["POST"]),
    Route("/roles/{id}/members", add_members, methods=["POST"]),
    Route("/roles/{id}/members/remove", remove_member, methods=["POST"]),
    Route("/roles/{id}/delete", confirm_delete, methods=["GET"]),
    Route("/roles/{id}/delete", delete_role, methods=["POST"]),
]
