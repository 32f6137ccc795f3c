"""Page plumbing: templates, the signed-in guard, CSRF on every POST, flash messages, paging."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from authkeep.console import auth
from authkeep.console.api import Api, ApiError
from authkeep.console.store import Session

HERE = Path(__file__).parent
PAGE_SIZE = 20
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _when(ms: Any) -> str:
    if not isinstance(ms, (int, float)):
        return "—"
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
env.filters["when"] = _when
env.filters["seg"] = lambda value: quote(str(value), safe="")


def seg(value: str) -> str:
    """One URL path segment (ids and secret names can hold anything)."""
    return quote(value, safe="")


def url(path: str, **query: Any) -> str:
    q = {k: v for k, v in query.items() if v not in (None, "", False)}
    return f"/console{path}" + (f"?{urlencode(q)}" if q else "")


env.globals["url"] = url


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session: Session | None = getattr(request.state, "console_session", None)
    flash = _read_flash(request)
    html = env.get_template(template).render(
        request=request, session=session, csrf=session.csrf_token if session else "", flash=flash, **context
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if flash:
        auth.clear_cookie(request, response, auth.FLASH_COOKIE)
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = auth.unsign(auth.state_of(request).settings, request.cookies.get(auth.FLASH_COOKIE))
    if not raw or ":" not in raw:
        return None
    kind, _, text = raw.partition(":")
    return {"kind": kind, "text": bytes.fromhex(text).decode(errors="replace")}


def redirect(request: Request, path: str, notice: str | None = None, error: str | None = None) -> Response:
    response = RedirectResponse(path if path.startswith("/console") else url(path), status_code=303)
    if notice or error:
        kind, text = ("error", error) if error else ("notice", notice)
        value = auth.sign(auth.state_of(request).settings, f"{kind}:{(text or '').encode().hex()}")
        auth.set_cookie(request, response, auth.FLASH_COOKIE, value, 60)
    return response


_ISSUE = re.compile(r'^Error in key path "([^"]*)": \(\w+\) (.*)$')


def explain(exc: ApiError) -> str:
    """Logto's own message, plus its validation details in plain words when it has them."""
    if not exc.details or len(exc.details) > 600:
        return exc.message
    lines = []
    for line in exc.details.splitlines():
        found = _ISSUE.match(line)
        lines.append(f"{found.group(1) or 'The input'}: {found.group(2)}" if found else line)
    return f"{exc.message} {'; '.join(lines)}"


@dataclass
class Cx:
    request: Request
    session: Session
    api: Api

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render(self.request, template, status, **context)

    def redirect(self, path: str, notice: str | None = None, error: str | None = None) -> Response:
        return redirect(self.request, path, notice, error)

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])


def _to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(url("/sign-in", next=target), status_code=303)


def page(fn: Callable[[Cx], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """GET pages: signed-in only; an API error becomes a plain-words error page."""

    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        session = await auth.current(request)
        if session is None:
            return _to_sign_in(request)
        try:
            return await fn(Cx(request, session, Api(request, session.admin_id)))
        except ApiError as exc:
            return render(request, "error.html", exc.status, message=explain(exc))

    return endpoint


def action(
    fn: Callable[[Cx, FormData], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """POST actions: signed-in, CSRF-checked; an API error goes back with the message."""

    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        session = await auth.current(request)
        form = await request.form()
        if session is None:
            return _to_sign_in(request)
        if not auth.csrf_ok(session.csrf_token, form.get("csrf")):
            return render(request, "error.html", 403, message="This form has expired. Go back, reload the page and try again.")
        try:
            return await fn(Cx(request, session, Api(request, session.admin_id)), form)
        except ApiError as exc:
            back = str(form.get("back") or "")
            if not back.startswith("/console/") or "//" in back:
                back = "/".join(request.url.path.split("/")[:4])  # /console/<section>/<id>
            return redirect(request, back, error=explain(exc))

    return endpoint


def confirm_page(cx: Cx, nav: str, path: str, title: str, warning: str, button: str) -> HTMLResponse:
    """The "Delete …?" page: its form posts to `path`/delete, Cancel goes back to `path`."""
    return cx.render(
        "confirm.html", nav=nav, title=title, warning=warning, action=f"{path}/delete", cancel=path, button=button
    )


async def post_chosen(
    cx: Cx, form: FormData, field: str, path: str, key: str, back: str, missing: str, done: str
) -> Response:
    """Posts the ticked `field` values to `path` as `{key: [...]}`; nothing ticked is an error."""
    chosen = values(form, field)
    if not chosen:
        return cx.redirect(back, error=missing)
    await cx.api.post(path, {key: chosen})
    return cx.redirect(back, notice=done)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def values(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


@dataclass(frozen=True)
class Pager:
    page: int
    size: int
    total: int
    path: str
    query: dict[str, Any]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    def link(self, page: int) -> str:
        return url(self.path, **{**self.query, "page": page if page > 1 else None})


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else 1
