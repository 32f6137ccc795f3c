"""Connectors: list, add from a factory, configure (a form built from the factory's `formItems`),
send a test message, delete. Everything goes through the Management API."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from authkeep.console.api import ApiError
from authkeep.console.web import Cx, action, confirm_page, explain, page, seg, text

NAV = "connectors"


class FormError(ValueError):
    pass


def _config(form: FormData, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The config object from the posted fields; empty optional fields are left out."""
    config: dict[str, Any] = {}
    for item in items:
        key, kind = item["key"], item["type"]
        name = f"cfg_{key}"
        if kind == "Switch":
            config[key] = form.get(name) == "on"
            continue
        raw = text(form, name)
        if not raw:
            continue
        if kind == "Number":
            try:
                config[key] = int(raw)
            except ValueError:
                raise FormError(f"{item['label']}: enter a whole number.") from None
        elif kind == "Json":
            try:
                config[key] = json.loads(raw)
            except ValueError:
                raise FormError(f"{item['label']}: enter valid JSON.") from None
        else:
            config[key] = raw
    return config


def _fields(items: list[dict[str, Any]], config: dict[str, Any]) -> list[dict[str, Any]]:
    """Form items with the value to show (the saved one, else the factory's default)."""
    out = []
    for item in items:
        value = config.get(item["key"], item.get("defaultValue"))
        if item["type"] == "Json":
            value = "" if value is None else json.dumps(value, indent=2)
        out.append({**item, "value": value})
    return out


@page
async def list_connectors(cx: Cx) -> Response:
    connectors = await cx.api.get("/connectors")
    factories = await cx.api.get("/connector-factories")
    return cx.render("connectors/list.html", nav=NAV, connectors=connectors, factories=factories)


async def _new_form(cx: Cx, factory_id: str, form: dict[str, Any] | None, error: str | None, status: int = 200) -> Response:
    factory = await cx.api.get(f"/connector-factories/{seg(factory_id)}")
    fields = _fields(factory.get("formItems", []), {})
    return cx.render("connectors/new.html", status, nav=NAV, factory=factory, fields=fields, form=form or {}, error=error)


@page
async def new_connector(cx: Cx) -> Response:
    return await _new_form(cx, cx.request.query_params.get("factory", ""), None, None)


@action
async def create_connector(cx: Cx, form: FormData) -> Response:
    factory_id = text(form, "factory")
    factory = await cx.api.get(f"/connector-factories/{seg(factory_id)}")
    try:
        body: dict[str, Any] = {"connectorId": factory_id, "config": _config(form, factory.get("formItems", []))}
    except FormError as exc:
        return await _new_form(cx, factory_id, dict(form), str(exc), 400)
    if factory["type"] == "Social":
        body["metadata"] = {"target": text(form, "target")}
    try:
        created = await cx.api.post("/connectors", body)
    except ApiError as exc:
        return await _new_form(cx, factory_id, dict(form), explain(exc), 400)
    return cx.redirect(f"/connectors/{seg(created['id'])}", notice="Connector added.")


@page
async def show_connector(cx: Cx) -> Response:
    connector = await cx.api.get(f"/connectors/{seg(cx.param('id'))}")
    fields = _fields(connector.get("formItems", []), connector.get("config", {}))
    return cx.render("connectors/detail.html", nav=NAV, connector=connector, fields=fields)


@action
async def update_connector(cx: Cx, form: FormData) -> Response:
    connector_id = cx.param("id")
    connector = await cx.api.get(f"/connectors/{seg(connector_id)}")
    try:
        config = _config(form, connector.get("formItems", []))
    except FormError as exc:
        return cx.redirect(f"/connectors/{seg(connector_id)}", error=str(exc))
    await cx.api.patch(f"/connectors/{seg(connector_id)}", {"config": config})
    return cx.redirect(f"/connectors/{seg(connector_id)}", notice="Changes saved.")


@action
async def test_connector(cx: Cx, form: FormData) -> Response:
    """Sends Logto's test message (code 000000) through the saved config."""
    connector_id = cx.param("id")
    connector = await cx.api.get(f"/connectors/{seg(connector_id)}")
    to = text(form, "to")
    body: dict[str, Any] = {"config": connector["config"], ("phone" if connector["type"] == "Sms" else "email"): to}
    await cx.api.post(f"/connectors/{seg(connector['connectorId'])}/test", body)
    return cx.redirect(f"/connectors/{seg(connector_id)}#test", notice=f"Test message sent to {to}.")


@page
async def confirm_delete(cx: Cx) -> Response:
    connector = await cx.api.get(f"/connectors/{seg(cx.param('id'))}")
    return confirm_page(
        cx,
        NAV,
        f"/connectors/{seg(connector['id'])}",
        title=f"Delete connector “{connector['name'].get('en', connector['id'])}”?",
        warning="Messages of its kind can no longer be sent until another connector is added.",
        button="Delete connector",
    )


@action
async def delete_connector(cx: Cx, _form: FormData) -> Response:
    await cx.api.delete(f"/connectors/{seg(cx.param('id'))}")
    return cx.redirect("/connectors", notice="Connector deleted.")


routes = [
    Route("/connectors", list_connectors, methods=["GET"]),
    Route("/connectors/new", new_connector, methods=["GET"]),
    Route("/connectors", create_connector, methods=["POST"]),
    Route("/connectors/{id}", show_connector, methods=["GET"]),
    Route("/connectors/{id}", update_connector, methods=["POST"]),
    Route("/connectors/{id}/test", test_connector, methods=["POST"]),
    Route("/connectors/{id}/delete", confirm_delete, methods=["GET"]),
    Route("/connectors/{id}/delete", delete_connector, methods=["POST"]),
]
