"""The pages Logto's `/oidc/auth` redirects to. Each is a server-rendered shell in the tenant's
branding and words; signin.js drives the Experience API from it (docs/sign-in-pages.md)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from authkeep.signin import web

CODE_TYPES = ("email", "phone")


def _methods(doc: dict[str, Any]) -> list[dict[str, Any]]:
    methods = (doc.get("signIn") or {}).get("methods") or []
    return [m for m in methods if isinstance(m, dict) and m.get("identifier") in ("username", "email", "phone")]


def _labels(exp: web.Experience, types: list[str]) -> str:
    keys = {"username": "input.username", "email": "input.email", "phone": "input.phone_number"}
    return " / ".join(exp.t(keys[kind]) for kind in types)


def _with_query(request: Request, path: str) -> str:
    return path + (f"?{request.url.query}" if request.url.query else "")


def _mode(exp: web.Experience) -> str:
    return str(exp.doc.get("signInMode") or "SignInAndRegister")


def _sign_up(exp: web.Experience) -> dict[str, Any]:
    sign_up = exp.doc.get("signUp") or {}
    identifiers = [i for i in sign_up.get("identifiers") or [] if i in ("username", "email", "phone")]
    return {"identifiers": identifiers, "password": bool(sign_up.get("password"))}


async def sign_in(request: Request) -> Response:
    exp = await web.load(request)
    if _mode(exp) == "Register":
        return RedirectResponse(_with_query(request, "/register"), status_code=302)
    methods = _methods(exp.doc)
    password_types = [m["identifier"] for m in methods if m.get("password")]
    code_types = [m["identifier"] for m in methods if m.get("verificationCode") and m["identifier"] in CODE_TYPES]
    code_first = bool(code_types) and (
        not password_types or not any(m.get("isPasswordPrimary", True) for m in methods if m.get("password"))
    )
    return web.render(
        "sign_in.html",
        exp,
        page="sign-in",
        password_types=password_types,
        password_label=_labels(exp, password_types),
        code_types=code_types,
        code_label=_labels(exp, code_types),
        code_first=code_first,
        forgot=any(exp.forgot.values()),
        can_register=_mode(exp) != "SignIn" and bool(_sign_up(exp)["identifiers"]),
        query=request.url.query,
    )


async def register(request: Request) -> Response:
    exp = await web.load(request)
    if _mode(exp) == "SignIn":
        return RedirectResponse(_with_query(request, "/sign-in"), status_code=302)
    sign_up = _sign_up(exp)
    code_types = [i for i in sign_up["identifiers"] if i in CODE_TYPES]
    return web.render(
        "register.html",
        exp,
        page="register",
        username="username" in sign_up["identifiers"],
        password=sign_up["password"],
        code_types=code_types,
        code_label=_labels(exp, code_types),
        query=request.url.query,
    )


async def forgot_password(request: Request) -> Response:
    exp = await web.load(request)
    code_types = [kind for kind in CODE_TYPES if exp.forgot.get(kind)]
    return web.render(
        "forgot_password.html",
        exp,
        page="forgot-password",
        code_types=code_types,
        code_label=_labels(exp, code_types),
        query=request.url.query,
    )


async def identifier(request: Request) -> Response:
    """Logto's identifier-first screen (`first_screen=identifier:*`): authkeep's sign-in page
    already asks for the identifier first, so both lead to the same form."""
    if request.query_params.get("first_screen") == "identifier:register":
        return await register(request)
    return await sign_in(request)


async def theme(request: Request) -> Response:
    """The tenant's colours (and custom CSS) as a style sheet: the CSP allows no inline style."""
    exp = await web.load(request)
    palette = exp.doc.get("color") or {}
    primary = web.color(palette.get("primaryColor"), web.DEFAULT_PRIMARY)
    css = f":root {{ --primary: {primary}; --on-primary: {web.text_on(primary)}; }}\n"
    if palette.get("isDarkModeEnabled"):
        dark = web.color(palette.get("darkPrimaryColor"), web.DEFAULT_DARK_PRIMARY)
        css += (
            "@media (prefers-color-scheme: dark) {\n"
            f"  :root {{ color-scheme: dark; --primary: {dark}; --on-primary: {web.text_on(dark)};\n"
            "    --bg: #1a1a1f; --card: #26262c; --fg: #f2f2f5; --muted: #b4b4bf; --line: #4a4a55;\n"
            "    --error: #ff8a80; }\n}\n"
        )
    custom = exp.doc.get("customCss")
    if isinstance(custom, str) and custom.strip():
        css += "\n/* customCss */\n" + custom
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return Response(css, media_type="text/css", headers=headers)
