"""Applications: paged search, create (M2M goes straight to roles), details, secrets, roles, delete."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from authkeep import clock
from authkeep.console import auth, store
from authkeep.console.api import ApiError
from authkeep.console.web import (
    PAGE_SIZE,
    Cx,
    Pager,
    action,
    confirm_page,
    explain,
    page,
    page_number,
    seg,
    text,
    values,
)

TYPES = [
    ("MachineToMachine", "Machine-to-machine", "A backend service or script calling APIs with its own credentials."),
    ("Traditional", "Traditional web", "A server-rendered web app that signs users in."),
    ("SPA", "Single-page app", "A browser app (React, Vue…) that signs users in."),
    ("Native", "Native", "A mobile or desktop app."),
    ("Protected", "Protected app", "An app protected at the edge (needs a protected-app provider)."),
]
WITH_SECRETS = ("MachineToMachine", "Traditional", "Protected")
TYPE_NAMES = {key: label for key, label, _ in TYPES}


def like(term: str) -> str:
    """Fuzzy search: `%term%` with the user's own % and _ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def management_roles(cx: Cx) -> set[str]:
    state = auth.state_of(cx.request)
    async with state.db.read() as conn:
        return await store.management_role_ids(conn, cx.api.tenant.id)


@page
async def list_apps(cx: Cx) -> Response:
    q = cx.request.query_params.get("q", "").strip()
    number = page_number(cx.request)
    items, total = await cx.api.page(
        "/applications", page=number, page_size=PAGE_SIZE, search=like(q) if q else None
    )
    pager = Pager(number, PAGE_SIZE, total, "/applications", {"q": q})
    return cx.render("apps/list.html", nav="apps", apps=items, q=q, pager=pager, type_names=TYPE_NAMES)


@page
async def new_app(cx: Cx) -> Response:
    chosen = cx.request.query_params.get("type", "MachineToMachine")
    return cx.render("apps/new.html", nav="apps", types=TYPES, chosen=chosen, form={}, error=None)


@action
async def create_app(cx: Cx, form: FormData) -> Response:
    kind = text(form, "type")
    body: dict[str, Any] = {"name": text(form, "name"), "type": kind}
    if text(form, "description"):
        body["description"] = text(form, "description")
    uris = [u.strip() for u in text(form, "redirect_uris").splitlines() if u.strip()]
    if uris and kind != "MachineToMachine":
        body["oidcClientMetadata"] = {"redirectUris": uris, "postLogoutRedirectUris": []}
    if kind == "Protected":
        body["protectedAppMetadata"] = {"subDomain": text(form, "sub_domain"), "origin": text(form, "origin")}
    try:
        created = await cx.api.post("/applications", body)
    except ApiError as exc:
        return cx.render(
            "apps/new.html", 400, nav="apps", types=TYPES, chosen=kind, form=dict(form), error=explain(exc)
        )
    if created["type"] == "MachineToMachine":
        return cx.redirect(f"/applications/{seg(created['id'])}/roles", notice="Application created. Now give it roles.")
    return cx.redirect(f"/applications/{seg(created['id'])}", notice="Application created.")


async def _role_choices(cx: Cx, app_id: str) -> list[dict[str, Any]]:
    roles, _ = await cx.api.page(
        "/roles", type="MachineToMachine", excludeApplicationId=app_id, page_size=100
    )
    return roles


@page
async def show_app(cx: Cx) -> Response:
    app_id = cx.param("id")
    app = await cx.api.get(f"/applications/{seg(app_id)}")
    secrets = await cx.api.get(f"/applications/{seg(app_id)}/secrets") if app["type"] in WITH_SECRETS else []
    roles: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    if app["type"] == "MachineToMachine":
        roles, _ = await cx.api.page(f"/applications/{seg(app_id)}/roles", page_size=100)
        choices = await _role_choices(cx, app_id)
    return cx.render(
        "apps/detail.html",
        nav="apps",
        app=app,
        secrets=secrets,
        roles=roles,
        choices=choices,
        badges=await management_roles(cx),
        type_names=TYPE_NAMES,
        now=clock.now_ms(),
    )


@page
async def assign_step(cx: Cx) -> Response:
    """The M2M creation flow's second step: pick roles (or skip)."""
    app_id = cx.param("id")
    app = await cx.api.get(f"/applications/{seg(app_id)}")
    choices = await _role_choices(cx, app_id) if app["type"] == "MachineToMachine" else []
    return cx.render("apps/assign.html", nav="apps", app=app, choices=choices, badges=await management_roles(cx))


@action
async def update_app(cx: Cx, form: FormData) -> Response:
    app_id = cx.param("id")
    body: dict[str, Any] = {"name": text(form, "name"), "description": text(form, "description") or None}
    if "redirect_uris" in form:
        uris = [u.strip() for u in text(form, "redirect_uris").splitlines() if u.strip()]
        body["oidcClientMetadata"] = {"redirectUris": uris, "postLogoutRedirectUris": []}
    await cx.api.patch(f"/applications/{seg(app_id)}", body)
    return cx.redirect(f"/applications/{seg(app_id)}", notice="Changes saved.")


@action
async def add_secret(cx: Cx, form: FormData) -> Response:
    app_id = cx.param("id")
    body: dict[str, Any] = {"name": text(form, "name")}
    days = text(form, "expires_days")
    if days:
        if not days.isdigit() or not 0 < int(days) <= 3650:
            return cx.redirect(f"/applications/{seg(app_id)}", error="Expiry must be a number of days from 1 to 3650.")
        body["expiresAt"] = clock.now_ms() + int(days) * 86_400_000
    await cx.api.post(f"/applications/{seg(app_id)}/secrets", body)
    return cx.redirect(f"/applications/{seg(app_id)}#secrets", notice=f"Secret “{body['name']}” created.")


@action
async def delete_secret(cx: Cx, form: FormData) -> Response:
    app_id = cx.param("id")
    name = text(form, "name")
    await cx.api.delete(f"/applications/{seg(app_id)}/secrets/{seg(name)}")
    return cx.redirect(f"/applications/{seg(app_id)}#secrets", notice=f"Secret “{name}” deleted.")


@action
async def assign_roles(cx: Cx, form: FormData) -> Response:
    app_id = cx.param("id")
    role_ids = values(form, "role")
    if not role_ids:
        return cx.redirect(f"/applications/{seg(app_id)}#roles", error="Choose at least one role.")
    await cx.api.post(f"/applications/{seg(app_id)}/roles", {"roleIds": role_ids})
    count = len(role_ids)
    return cx.redirect(f"/applications/{seg(app_id)}#roles", notice=f"{count} role{'s' if count > 1 else ''} assigned.")


@action
async def remove_role(cx: Cx, form: FormData) -> Response:
    app_id = cx.param("id")
    await cx.api.delete(f"/applications/{seg(app_id)}/roles/{seg(text(form, 'role'))}")
    return cx.redirect(f"/applications/{seg(app_id)}#roles", notice="Role removed.")


@page
async def confirm_delete(cx: Cx) -> Response:
    app = await cx.api.get(f"/applications/{seg(cx.param('id'))}")
    return confirm_page(
        cx,
        "apps",
        f"/applications/{seg(app['id'])}",
        title=f"Delete application “{app['name']}”?",
        warning="Its credentials stop working at once. This cannot be undone.",
        button="Delete application",
    )


@action
async def delete_app(cx: Cx, _form: FormData) -> Response:
    await cx.api.delete(f"/applications/{seg(cx.param('id'))}")
    return cx.redirect("/applications", notice="Application deleted.")


routes = [
    Route("/applications", list_apps, methods=["GET"]),
    Route("/applications/new", new_app, methods=["GET"]),
    Route("/applications", create_app, methods=["POST"]),
    Route("/applications/{id}", show_app, methods=["GET"]),
    Route("/applications/{id}", update_app, methods=["POST"]),
    Route("/applications/{id}/roles", assign_step, methods=["GET"]),
    Route("/applications/{id}/roles", assign_roles, methods=["POST"]),
    Route("/applications/{id}/roles/remove", remove_role, methods=["POST"]),
    Route("/applications/{id}/secrets", add_secret, methods=["POST"]),
    Route("/applications/{id}/secrets/delete", delete_secret, methods=["POST"]),
    Route("/applications/{id}/delete", confirm_delete, methods=["GET"]),
    Route("/applications/{id}/delete", delete_app, methods=["POST"]),
]
