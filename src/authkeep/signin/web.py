"""Page plumbing for the hosted sign-in pages: the tenant's sign-in experience and phrases, the
language, the security headers and the templates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from authkeep.domain import sign_in_exp as sie
from authkeep.oidc import interactions
from authkeep.signin import phrases
from authkeep.state import AppState
from authkeep.store import sign_in_exp as store

HERE = Path(__file__).parent
ASSETS = "/sign-in-assets"
# The console's policy (console/web.py) plus `img-src https:`: the tenant's logo lives wherever
# the sign-in experience's `branding` points. Scripts, styles, fonts, frames: this origin only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}|#[0-9A-Fa-f]{3}")
DEFAULT_PRIMARY = "#6139F6"
# Logto's seed branding points at logto.io: authkeep shows no logo until the tenant sets its own.
SEED_LOGOS = ("https://logto.io/logo.svg", "https://logto.io/logo-dark.svg")
DEFAULT_DARK_PRIMARY = "#8768F8"

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))


def state_of(request: Request) -> AppState:
    return request.app.state.authkeep  # type: ignore[no-any-return]


def image_url(value: Any) -> str | None:
    """A logo the CSP lets through: https, a data: image, or a path on this origin."""
    if not isinstance(value, str) or not value or value in SEED_LOGOS or len(value) > 4096:
        return None
    if any(c in value for c in "\\\r\n\t"):
        return None
    lowered = value.lower()
    if lowered.startswith(("https://", "data:image/")):
        return value
    if value.startswith("/") and not value.startswith("//"):
        return value
    return None


def color(value: Any, fallback: str) -> str:
    return value if isinstance(value, str) and HEX_COLOR.fullmatch(value) else fallback


def text_on(background: str) -> str:
    """Black or white, whichever reads better on `background` (WCAG relative luminance)."""
    hexes = background[1:]
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    channels = []
    for i in (0, 2, 4):
        c = int(hexes[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


@dataclass
class Experience:
    doc: dict[str, Any]
    lang: str
    t: phrases.Phrases
    forgot: dict[str, bool]
    interaction: interactions.Interaction | None

    @property
    def logo(self) -> str | None:
        return image_url((self.doc.get("branding") or {}).get("logoUrl"))

    @property
    def dark_logo(self) -> str | None:
        if not (self.doc.get("color") or {}).get("isDarkModeEnabled"):
            return None
        return image_url((self.doc.get("branding") or {}).get("darkLogoUrl"))


def _ui_locales(request: Request, found: interactions.Interaction | None) -> list[str]:
    raw = request.query_params.get("ui_locales") or ""
    if found is not None and isinstance(found.params.get("ui_locales"), str):
        raw = f"{raw} {found.params['ui_locales']}"
    return raw.split()[:10]


async def load(request: Request) -> Experience:
    state = state_of(request)
    tenant_id = state.tenant_for(request).id
    cookie = request.cookies.get(interactions.COOKIE)
    found = None
    if cookie and state.interactions is not None:
        found = await state.interactions.find_interaction(tenant_id, cookie)
    async with state.db.read() as conn:
        doc = await sie.current(conn, tenant_id)
        tags = await store.phrase_tags(conn, tenant_id)
        info = doc.get("languageInfo") or {}
        candidates = _ui_locales(request, found)
        if info.get("autoDetect", True):
            candidates += phrases.accepted(request.headers.get("accept-language", "")[:1000])
        fallback = info.get("fallbackLanguage")
        lang = phrases.pick([*candidates, *([fallback] if isinstance(fallback, str) else [])], tags)
        custom = await store.get_phrase(conn, tenant_id, lang) if lang in tags else None
        connectors = await sie.connectors(conn, tenant_id)
    tree = phrases.merge(phrases.EN, custom["translation"] if custom else {})
    forgot = sie.forgot_password_availability(connectors, doc.get("forgotPasswordMethods"))
    return Experience(doc, lang, phrases.Phrases(tree), forgot, found)


def render(template: str, exp: Experience, status: int = 200, **context: Any) -> HTMLResponse:
    html = env.get_template(template).render(exp=exp, t=exp.t, lang=exp.lang, assets=ASSETS, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
