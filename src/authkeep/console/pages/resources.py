"""API resources and their scopes. The Logto Management API is shown read-only (no controls);
the API refuses changes to it anyway."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

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
)
from authkeep.domain.management_api import is_management_api


def _ttl(form: FormData) -> int | None:
    raw = text(form, "access_token_ttl")
    return int(raw) if raw.isdigit() else None


@page
async def list_resources(cx: Cx) -> Response:
    number = page_number(cx.request)
    items, total = await cx.api.page("/resources", page=number, page_size=PAGE_SIZE)
    for item in items:
        item["readOnly"] = is_management_api(item["indicator"])
    pager = Pager(number, PAGE_SIZE, total, "/resources", {})
    return cx.render("resources/list.html", nav="resources", resources=items, pager=pager)


@page
async def new_resource(cx: Cx) -> Response:
    return cx.render("resources/new.html", nav="resources", form={}, error=None)


@action
async def create_resource(cx: Cx, form: FormData) -> Response:
    body: dict[str, Any] = {"name": text(form, "name"), "indicator": text(form, "indicator")}
    if _ttl(form) is not None:
        body["accessTokenTtl"] = _ttl(form)
    try:
        created = await cx.api.post("/resources", body)
    except ApiError as exc:
        return cx.render("resources/new.html", 400, nav="resources", form=dict(form), error=explain(exc))
    return cx.redirect(f"/resources/{seg(created['id'])}", notice="API resource created. Add its permissions below.")


@page
async def show_resource(cx: Cx) -> Response:
    resource_id = cx.param("id")
    resource = await cx.api.get(f"/resources/{seg(resource_id)}")
    number = page_number(cx.request)
    scopes, total = await cx.api.page(f"/resources/{seg(resource_id)}/scopes", page=number, page_size=50)
    pager = Pager(number, 50, total, f"/resources/{seg(resource_id)}", {})
    return cx.render(
        "resources/detail.html",
        nav="resources",
        resource=resource,
        scopes=scopes,
        pager=pager,
        read_only=is_management_api(resource["indicator"]),
    )


@action
async def update_resource(cx: Cx, form: FormData) -> Response:
    resource_id = cx.param("id")
    body: dict[str, Any] = {"name": text(form, "name")}
    if _ttl(form) is not None:
        body["accessTokenTtl"] = _ttl(form)
    await cx.api.patch(f"/resources/{seg(resource_id)}", body)
    return cx.redirect(f"/resources/{seg(resource_id)}", notice="Changes saved.")


@action
async def add_scope(cx: Cx, form: FormData) -> Response:
    resource_id = cx.param("id")
    body = {"name": text(form, "name"), "description": text(form, "description") or None}
    await cx.api.post(f"/resources/{seg(resource_id)}/scopes", body)
    return cx.redirect(f"/resources/{seg(resource_id)}#scopes", notice=f"Permission “{body['name']}” created.")


@action
async def update_scope(cx: Cx, form: FormData) -> Response:
    resource_id = cx.param("id")
    body = {"name": text(form, "name"), "description": text(form, "description") or None}
    await cx.api.patch(f"/resources/{seg(resource_id)}/scopes/{seg(text(form, 'scope'))}", body)
    return cx.redirect(f"/resources/{seg(resource_id)}#scopes", notice="Permission saved.")


@action
async def delete_scope(cx: Cx, form: FormData) -> Response:
    resource_id = cx.param("id")
    await cx.api.delete(f"/resources/{seg(resource_id)}/scopes/{seg(text(form, 'scope'))}")
    return cx.redirect(f"/resources/{seg(resource_id)}#scopes", notice="Permission deleted.")


@page
async def confirm_delete(cx: Cx) -> Response:
    resource = await cx.api.get(f"/resources/{seg(cx.param('id'))}")
    if is_management_api(resource["indicator"]):
        return cx.redirect(f"/resources/{seg(resource['id'])}", error="The Logto Management API cannot be deleted.")
    return confirm_page(
        cx,
        "resources",
        f"/resources/{seg(resource['id'])}",
        title=f"Delete API resource “{resource['name']}”?",
        warning="Its permissions are removed from every role. This cannot be undone.",
        button="Delete API resource",
    )


@action
async def delete_resource(cx: Cx, _form: FormData) -> Response:
    await cx.api.delete(f"/resources/{seg(cx.param('id'))}")
    return cx.redirect("/resources", notice="API resource deleted.")


routes = [
    Route("/resources", list_resources, methods=["GET"]),
    Route("/resources/new", new_resource, methods=["GET"]),
    Route("/resources", create_resource, methods=["POST"]),
    Route("/resources/{id}", show_resource, methods=["GET"]),
    Route("/resources/{id}", update_resource, methods=["POST"]),
    Route("/resources/{id}/scopes", add_scope, methods=["POST"]),
    Route("/resources/{id}/scopes/update", update_scope, methods=["POST"]),
    Route("/resources/{id}/scopes/delete", delete_scope, methods=["POST"]),
    Route("/resources/{id}/delete", confirm_delete, methods=["GET"]),
    Route("/resources/{id}/delete", delete_resource, methods=["POST"]),
]
