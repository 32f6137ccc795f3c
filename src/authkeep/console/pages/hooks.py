"""Webhooks: list, create (name, URL, events), enable/disable, send a test event, recent
deliveries, rotate the signing key, delete. Everything goes through the Management API."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from authkeep.console.api import ApiError
from authkeep.console.web import Cx, action, confirm_page, explain, page, seg, text, values
from authkeep.domain.hooks import EVENTS

NAV = "hooks"


def _events(form: FormData) -> list[str]:
    return [e for e in values(form, "events") if e in EVENTS]


def _delivery(entry: dict[str, Any]) -> dict[str, Any]:
    """One recent-logs row as the table shows it."""
    payload = entry.get("payload") or {}
    response = payload.get("response") or {}
    return {
        "id": entry["id"],
        "event": entry["key"].removeprefix("TriggerHook."),
        "result": payload.get("result", ""),
        "status": response.get("statusCode", ""),
        "error": payload.get("error", ""),
        "createdAt": entry.get("createdAt"),
    }


@page
async def list_hooks(cx: Cx) -> Response:
    hooks = await cx.api.get("/hooks", includeExecutionStats="true")
    return cx.render("hooks/list.html", nav=NAV, hooks=hooks)


def _new_form(cx: Cx, form: dict[str, Any], chosen: list[str], error: str | None, status: int = 200) -> Response:
    return cx.render("hooks/new.html", status, nav=NAV, form=form, chosen=chosen, events=EVENTS, error=error)


@page
async def new_hook(cx: Cx) -> Response:
    return _new_form(cx, {}, [], None)


@action
async def create_hook(cx: Cx, form: FormData) -> Response:
    name, hook_url, events = text(form, "name"), text(form, "url"), _events(form)
    if not events:
        return _new_form(cx, dict(form), events, "Choose at least one event.", 400)
    try:
        created = await cx.api.post("/hooks", {"name": name, "events": events, "config": {"url": hook_url}})
    except ApiError as exc:
        return _new_form(cx, dict(form), events, explain(exc), 400)
    return cx.redirect(f"/hooks/{seg(created['id'])}", notice="Webhook created.")


@page
async def show_hook(cx: Cx) -> Response:
    hook_id = seg(cx.param("id"))
    hook = await cx.api.get(f"/hooks/{hook_id}", includeExecutionStats="true")
    logs, total = await cx.api.page(f"/hooks/{hook_id}/recent-logs", page=1, page_size=20)
    deliveries = [_delivery(entry) for entry in logs]
    return cx.render("hooks/detail.html", nav=NAV, hook=hook, events=EVENTS, deliveries=deliveries, total=total)


@action
async def update_hook(cx: Cx, form: FormData) -> Response:
    hook_id = seg(cx.param("id"))
    hook = await cx.api.get(f"/hooks/{hook_id}")
    events = _events(form)
    if not events:
        return cx.redirect(f"/hooks/{hook_id}", error="Choose at least one event.")
    config = {**hook["config"], "url": text(form, "url")}
    await cx.api.patch(f"/hooks/{hook_id}", {"name": text(form, "name"), "events": events, "config": config})
    return cx.redirect(f"/hooks/{hook_id}", notice="Changes saved.")


@action
async def set_enabled(cx: Cx, form: FormData) -> Response:
    hook_id = seg(cx.param("id"))
    enabled = text(form, "enabled") == "true"
    await cx.api.patch(f"/hooks/{hook_id}", {"enabled": enabled})
    return cx.redirect(f"/hooks/{hook_id}", notice="Webhook enabled." if enabled else "Webhook disabled.")


@action
async def test_hook(cx: Cx, form: FormData) -> Response:
    """Logto's test: a sample payload for the chosen event, sent to the saved URL while we wait."""
    hook_id = seg(cx.param("id"))
    hook = await cx.api.get(f"/hooks/{hook_id}")
    event = text(form, "event")
    if event not in EVENTS:
        return cx.redirect(f"/hooks/{hook_id}#test", error="Choose an event to send.")
    try:
        await cx.api.post(f"/hooks/{hook_id}/test", {"events": [event], "config": hook["config"]})
    except ApiError as exc:
        detail = explain(exc)
        return cx.redirect(f"/hooks/{hook_id}#deliveries", error=f"The test event was not accepted: {detail}")
    return cx.redirect(f"/hooks/{hook_id}#deliveries", notice=f"Test event {event} delivered.")


@action
async def rotate_key(cx: Cx, _form: FormData) -> Response:
    hook_id = seg(cx.param("id"))
    await cx.api.patch(f"/hooks/{hook_id}/signing-key", {})
    return cx.redirect(f"/hooks/{hook_id}", notice="Signing key rotated; receivers must use the new key.")


@page
async def confirm_delete(cx: Cx) -> Response:
    hook = await cx.api.get(f"/hooks/{seg(cx.param('id'))}")
    return confirm_page(
        cx,
        NAV,
        f"/hooks/{seg(hook['id'])}",
        title=f"Delete webhook “{hook['name'] or hook['id']}”?",
        warning="Its endpoint stops receiving events. This cannot be undone.",
        button="Delete webhook",
    )


@action
async def delete_hook(cx: Cx, _form: FormData) -> Response:
    await cx.api.delete(f"/hooks/{seg(cx.param('id'))}")
    return cx.redirect("/hooks", notice="Webhook deleted.")


routes = [
    Route("/hooks", list_hooks, methods=["GET"]),
    Route("/hooks/new", new_hook, methods=["GET"]),
    Route("/hooks", create_hook, methods=["POST"]),
    Route("/hooks/{id}", show_hook, methods=["GET"]),
    Route("/hooks/{id}", update_hook, methods=["POST"]),
    Route("/hooks/{id}/enabled", set_enabled, methods=["POST"]),
    Route("/hooks/{id}/test", test_hook, methods=["POST"]),
    Route("/hooks/{id}/signing-key", rotate_key, methods=["POST"]),
    Route("/hooks/{id}/delete", confirm_delete, methods=["GET"]),
    Route("/hooks/{id}/delete", delete_hook, methods=["POST"]),
]
