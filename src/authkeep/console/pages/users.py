"""Users: advanced search and paging, create, profile and custom data, password, suspension, roles."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from authkeep import ids
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
)

FIELDS = {
    "": "All fields",
    "id": "User ID",
    "username": "Username",
    "primaryEmail": "Email",
    "primaryPhone": "Phone",
    "name": "Name",
}
IDENTIFIERS = ("username", "primaryEmail", "primaryPhone", "name", "avatar")
PROFILE = {"givenName": "Given name", "familyName": "Family name", "nickname": "Nickname", "website": "Website", "locale": "Locale"}


def search_params(q: str, field: str, exact: bool, case: bool) -> dict[str, Any]:
    """The console's search box → Logto's advanced search query."""
    if not q:
        return {}
    key = f"search__{field}" if field else "search"
    params: dict[str, Any] = {key: q if exact else like(q)}
    if exact:
        params["mode__" + field if field else "mode"] = "exact"
    if case:
        params["isCaseSensitive"] = "true"
    return params


@page
async def list_users(cx: Cx) -> Response:
    qp = cx.request.query_params
    q, field = qp.get("q", "").strip(), qp.get("field", "")
    field = field if field in FIELDS else ""
    exact, case = qp.get("match") == "exact", qp.get("case") == "1"
    number = page_number(cx.request)
    items, total = await cx.api.page(
        "/users", page=number, page_size=PAGE_SIZE, **search_params(q, field, exact, case)
    )
    query = {"q": q, "field": field, "match": "exact" if exact else "", "case": "1" if case else ""}
    pager = Pager(number, PAGE_SIZE, total, "/users", query)
    return cx.render(
        "users/list.html", nav="users", users=items, pager=pager, q=q, field=field, exact=exact, case=case, fields=FIELDS
    )


@page
async def new_user(cx: Cx) -> Response:
    return cx.render("users/new.html", nav="users", form={}, error=None)


@action
async def create_user(cx: Cx, form: FormData) -> Response:
    body = {k: text(form, k) for k in ("username", "primaryEmail", "primaryPhone", "name", "password")}
    body = {k: v for k, v in body.items() if v}
    try:
        created = await cx.api.post("/users", body)
    except ApiError as exc:
        return cx.render("users/new.html", 400, nav="users", form=dict(form), error=explain(exc))
    return cx.redirect(f"/users/{seg(created['id'])}", notice="User created.")


@page
async def show_user(cx: Cx) -> Response:
    user_id = cx.param("id")
    user = await cx.api.get(f"/users/{seg(user_id)}")
    roles, _ = await cx.api.page(f"/users/{seg(user_id)}/roles", page_size=100)
    choices, _ = await cx.api.page("/roles", type="User", excludeUserId=user_id, page_size=100)
    return cx.render(
        "users/detail.html",
        nav="users",
        user=user,
        roles=roles,
        choices=choices,
        profile_fields=PROFILE,
        custom_data=json.dumps(user.get("customData") or {}, indent=2, ensure_ascii=False),
    )


def _here(cx: Cx, anchor: str = "") -> str:
    return f"/users/{seg(cx.param('id'))}{anchor}"


@action
async def update_user(cx: Cx, form: FormData) -> Response:
    user_id = cx.param("id")
    user = await cx.api.get(f"/users/{seg(user_id)}")
    body: dict[str, Any] = {}
    for key in IDENTIFIERS:
        new = text(form, key) or None
        if new != user.get(key):
            body[key] = new
    profile = {k: text(form, k) for k in PROFILE if text(form, k) != (user.get("profile") or {}).get(k, "")}
    if body:
        await cx.api.patch(f"/users/{seg(user_id)}", body)
    if profile:
        await cx.api.patch(f"/users/{seg(user_id)}/profile", {"profile": profile})
    return cx.redirect(_here(cx), notice="Profile saved." if body or profile else "Nothing changed.")


@action
async def update_custom_data(cx: Cx, form: FormData) -> Response:
    try:
        data = json.loads(text(form, "custom_data") or "{}")
    except ValueError as exc:
        return cx.redirect(_here(cx, "#custom-data"), error=f"Custom data is not valid JSON: {exc}.")
    if not isinstance(data, dict):
        return cx.redirect(_here(cx, "#custom-data"), error="Custom data must be a JSON object, like {\"plan\": \"pro\"}.")
    await cx.api.patch(f"/users/{seg(cx.param('id'))}", {"customData": data})
    return cx.redirect(_here(cx, "#custom-data"), notice="Custom data saved.")


@action
async def reset_password(cx: Cx, form: FormData) -> Response:
    user_id = cx.param("id")
    given = text(form, "password")
    password = given or ids.standard_secret(16)
    user = await cx.api.patch(f"/users/{seg(user_id)}/password", {"password": password})
    if given:
        return cx.redirect(_here(cx), notice="Password changed.")
    return cx.render("users/password.html", nav="users", user=user, password=password)


@action
async def set_suspended(cx: Cx, form: FormData) -> Response:
    suspend = text(form, "suspend") == "1"
    await cx.api.patch(f"/users/{seg(cx.param('id'))}/is-suspended", {"isSuspended": suspend})
    return cx.redirect(_here(cx), notice="User suspended: they cannot sign in." if suspend else "User reactivated.")


@action
async def assign_roles(cx: Cx, form: FormData) -> Response:
    path = f"/users/{seg(cx.param('id'))}/roles"
    return await post_chosen(
        cx, form, "role", path, "roleIds", _here(cx, "#roles"), "Choose at least one role.", "Roles assigned."
    )


@action
async def remove_role(cx: Cx, form: FormData) -> Response:
    await cx.api.delete(f"/users/{seg(cx.param('id'))}/roles/{seg(text(form, 'role'))}")
    return cx.redirect(_here(cx, "#roles"), notice="Role removed.")


@page
async def confirm_delete(cx: Cx) -> Response:
    user = await cx.api.get(f"/users/{seg(cx.param('id'))}")
    label = user.get("name") or user.get("username") or user.get("primaryEmail") or user["id"]
    return confirm_page(
        cx,
        "users",
        f"/users/{seg(user['id'])}",
        title=f"Delete user “{label}”?",
        warning="The account and its sign-in identities are removed. This cannot be undone.",
        button="Delete user",
    )


@action
async def delete_user(cx: Cx, _form: FormData) -> Response:
    await cx.api.delete(f"/users/{seg(cx.param('id'))}")
    return cx.redirect("/users", notice="User deleted.")


routes = [
    Route("/users", list_users, methods=["GET"]),
    Route("/users/new", new_user, methods=["GET"]),
    Route("/users", create_user, methods=["POST"]),
    Route("/users/{id}", show_user, methods=["GET"]),
    Route("/users/{id}", update_user, methods=["POST"]),
    Route("/users/{id}/custom-data", update_custom_data, methods=["POST"]),
    Route("/users/{id}/password", reset_password, methods=["POST"]),
    Route("/users/{id}/suspension", set_suspended, methods=["POST"]),
    Route("/users/{id}/roles", assign_roles, methods=["POST"]),
    Route("/users/{id}/roles/remove", remove_role, methods=["POST"]),
    Route("/users/{id}/delete", confirm_delete, methods=["GET"]),
    Route("/users/{id}/delete", delete_user, methods=["POST"]),
]
