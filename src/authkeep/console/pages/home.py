"""Sign-in, sign-out and the dashboard."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from authkeep.console import api as api_mod
from authkeep.console import auth, store
from authkeep.console.web import Cx, action, page, redirect, render, url

DAYS = 30


_safe_next = auth.safe_next


def _sign_in_page(request: Request, status: int = 200, error: str | None = None, username: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        status,
        login_csrf=token,
        error=error,
        username=username,
        next=_safe_next(request.query_params.get("next")),
    )
    auth.set_cookie(request, response, auth.LOGIN_COOKIE, token, 3600)
    return response


async def sign_in_form(request: Request) -> Response:
    if await auth.current(request):
        return redirect(request, _safe_next(request.query_params.get("next")))
    return _sign_in_page(request)


async def sign_in(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    if not auth.csrf_ok(request.cookies.get(auth.LOGIN_COOKIE), form.get("csrf")):
        return _sign_in_page(request, 403, "This sign-in form has expired. Please try again.", username)
    if not username or not password:
        return _sign_in_page(request, 400, "Enter your username and password.", username)
    if not await auth.sign_in_allowed(request, username):
        return _sign_in_page(request, 429, "Too many sign-in attempts. Wait a few minutes and try again.", username)
    state = auth.state_of(request)
    async with state.db.read() as conn:
        admin = await store.find_admin(conn, username)
    if not await auth.check_password(admin.password_hash if admin else None, password) or admin is None:
        await auth.sign_in_failed(request, username)
        return _sign_in_page(request, 401, "The username or password is not correct.", username)
    response = redirect(request, _safe_next(form.get("next")))
    await auth.start(request, response, admin.id)
    auth.clear_cookie(request, response, auth.LOGIN_COOKIE)
    return response


@action
async def sign_out(cx: Cx, _form: object) -> Response:
    response = redirect(cx.request, url("/sign-in"), notice="You are signed out.")
    await auth.end(cx.request, response)
    api_mod.forget(cx.session.admin_id)
    return response


def _chart(counts: list[int]) -> dict[str, object]:
    """Bar geometry for the inline SVG (viewBox 0 0 300 100)."""
    top = max(counts) or 1
    width = 300 / len(counts)
    bars = []
    for i, n in enumerate(counts):
        height = round(90 * n / top, 2)
        bars.append({"x": round(i * width + 1, 2), "w": round(width - 2, 2), "h": height, "y": round(95 - height, 2), "n": n, "ago": len(counts) - 1 - i})
    return {"bars": bars, "top": top}


@page
async def dashboard(cx: Cx) -> Response:
    _, total = await cx.api.page("/users", page_size=1)
    state = auth.state_of(cx.request)
    async with state.db.read() as conn:
        counts = await store.signups_per_day(conn, cx.api.tenant.id, DAYS)
    return cx.render(
        "dashboard.html",
        nav="dashboard",
        total=total,
        today=counts[-1],
        week=sum(counts[-7:]),
        month=sum(counts),
        days=DAYS,
        chart=_chart(counts),
    )


routes = [
    Route("/", dashboard, methods=["GET"]),
    Route("/sign-in", sign_in_form, methods=["GET"]),
    Route("/sign-in", sign_in, methods=["POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
]
