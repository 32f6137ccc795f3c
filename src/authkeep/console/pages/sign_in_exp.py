"""Sign-in experience: identifiers (sign-up and sign-in), password policy and branding, each a
form that PATCHes /api/sign-in-exp; the API's refusals come back as the page's error message."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from authkeep.console.web import Cx, action, page, text, values

NAV = "sie"
BACK = "/sign-in-experience"
IDENTIFIERS = ("username", "email", "phone")


@page
async def show(cx: Cx) -> Response:
    sie = await cx.api.get("/sign-in-exp")
    policy = sie.get("passwordPolicy") or {}
    methods = {m["identifier"]: m for m in sie["signIn"]["methods"]}
    return cx.render(
        "sign_in/page.html",
        nav=NAV,
        sie=sie,
        methods=methods,
        identifiers=IDENTIFIERS,
        length=policy.get("length") or {"min": 8, "max": 256},
        kinds=(policy.get("characterTypes") or {}).get("min", 1),
        rejects={"pwned": True, "repetitionAndSequence": True, "userInfo": True, "words": [],
                 **(policy.get("rejects") or {})},
    )


def _int(form: FormData, name: str, default: int) -> int:
    raw = text(form, name)
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


@action
async def save_identifiers(cx: Cx, form: FormData) -> Response:
    sign_up_id = text(form, "signup_identifier")
    password = form.get("signup_password") == "on"
    sign_up: dict[str, Any] = {
        "identifiers": [sign_up_id] if sign_up_id in IDENTIFIERS else [],
        "password": password,
        "verify": form.get("signup_verify") == "on",
    }
    methods = []
    for ident in IDENTIFIERS:
        if form.get(f"signin_{ident}") != "on":
            continue
        by_password = form.get(f"signin_{ident}_password") == "on"
        methods.append({
            "identifier": ident,
            "password": by_password,
            "verificationCode": form.get(f"signin_{ident}_code") == "on",
            "isPasswordPrimary": by_password,
        })
    if not methods:
        return cx.redirect(BACK, error="Choose at least one way to sign in.")
    await cx.api.patch("/sign-in-exp", {"signUp": sign_up, "signIn": {"methods": methods}})
    return cx.redirect(BACK, notice="Identifiers saved.")


@action
async def save_password_policy(cx: Cx, form: FormData) -> Response:
    words = [w.strip() for w in text(form, "words").splitlines() if w.strip()]
    policy = {
        "length": {"min": _int(form, "min_length", 8), "max": _int(form, "max_length", 256)},
        "characterTypes": {"min": _int(form, "character_types", 1)},
        "rejects": {
            "pwned": form.get("pwned") == "on",
            "repetitionAndSequence": form.get("repetition") == "on",
            "userInfo": form.get("user_info") == "on",
            "words": words,
        },
    }
    await cx.api.patch("/sign-in-exp", {"passwordPolicy": policy})
    return cx.redirect(BACK + "#password", notice="Password policy saved.")


@action
async def save_branding(cx: Cx, form: FormData) -> Response:
    branding = {k: text(form, k) for k in ("logoUrl", "darkLogoUrl", "favicon", "darkFavicon") if text(form, k)}
    color = {
        "primaryColor": text(form, "primaryColor"),
        "darkPrimaryColor": text(form, "darkPrimaryColor"),
        "isDarkModeEnabled": "dark" in values(form, "dark"),
    }
    body: dict[str, Any] = {"branding": branding, "color": color}
    for key in ("termsOfUseUrl", "privacyPolicyUrl"):
        body[key] = text(form, key) or None
    await cx.api.patch("/sign-in-exp", body)
    return cx.redirect(BACK + "#branding", notice="Branding saved.")


routes = [
    Route("/sign-in-experience", show, methods=["GET"]),
    Route("/sign-in-experience/identifiers", save_identifiers, methods=["POST"]),
    Route("/sign-in-experience/password-policy", save_password_policy, methods=["POST"]),
    Route("/sign-in-experience/branding", save_branding, methods=["POST"]),
]
