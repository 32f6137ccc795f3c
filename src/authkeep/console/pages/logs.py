"""Audit logs: a paged list filtered by log key, user and application; one log's payload."""

from __future__ import annotations

import json

from starlette.responses import Response
from starlette.routing import Route

from authkeep.console.web import PAGE_SIZE, Cx, Pager, page, page_number, seg

NAV = "logs"
FILTERS = {"logKey": "Log key", "userId": "User ID", "applicationId": "Application ID"}


@page
async def list_logs(cx: Cx) -> Response:
    qp = cx.request.query_params
    filters = {name: qp.get(name, "").strip() for name in FILTERS}
    number = page_number(cx.request)
    items, total = await cx.api.page("/logs", page=number, page_size=PAGE_SIZE, **filters)
    pager = Pager(number, PAGE_SIZE, total, "/logs", filters)
    return cx.render("logs/list.html", nav=NAV, logs=items, pager=pager, filters=filters, labels=FILTERS)


@page
async def show_log(cx: Cx) -> Response:
    log = await cx.api.get(f"/logs/{seg(cx.param('id'))}")
    payload = json.dumps(log.get("payload") or {}, indent=2, ensure_ascii=False)
    return cx.render("logs/detail.html", nav=NAV, log=log, payload=payload)


routes = [
    Route("/logs", list_logs, methods=["GET"]),
    Route("/logs/{id}", show_log, methods=["GET"]),
]
