"""The hosted sign-in pages over HTTP: security headers, no external assets, branding, phrases
and languages, escaping of tenant-supplied text, the sign-in modes and unknown paths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from tests.server import Server

PAGES = ("/sign-in", "/register", "/forgot-password", "/identifier")
ASSETS = ("/sign-in-assets/signin.js", "/sign-in-assets/signin.css", "/sign-in-assets/theme.css")


class Page(HTMLParser):
    """The bits of a page the tests look at: tags with their attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def srv(own_server: Server) -> Server:
    return own_server


@pytest.fixture(scope="module")
def admin(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as c:
        yield c


@pytest.fixture
def web(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def restore(admin: httpx.Client) -> Iterator[None]:
    before = admin.get("/api/sign-in-exp").json()
    yield
    keep = ("color", "branding", "signInMode", "customCss", "signUp", "signIn", "languageInfo")
    assert admin.patch("/api/sign-in-exp", json={k: before[k] for k in keep}).status_code == 200
    for phrase in admin.get("/api/custom-phrases").json():
        if phrase["languageTag"] != before["languageInfo"]["fallbackLanguage"]:
            admin.delete(f"/api/custom-phrases/{phrase['languageTag']}")
    admin.put("/api/custom-phrases/en", json={"action": {"create": "Create"}})


def _csp(header: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_strict_security_headers(web: httpx.Client, path: str) -> None:
    res = web.get(path, params={"app_id": "abc"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    csp = _csp(res.headers["content-security-policy"])
    assert csp["default-src"] == "default-src 'self'"
    assert csp["script-src"] == "script-src 'self'"
    assert csp["style-src"] == "style-src 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["form-action"] == "form-action 'self'"
    assert csp["base-uri"] == "base-uri 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert "unsafe" not in res.headers["content-security-policy"]
    assert res.headers["x-frame-options"] == "DENY"
    assert res.headers["referrer-policy"] == "no-referrer"
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_accessible_and_self_contained(web: httpx.Client, path: str) -> None:
    html = web.get(path).text
    page = Page(html)
    assert page.find("html")[0]["lang"] == "en"
    # No inline script or style (the CSP would block it anyway), nothing loaded from elsewhere.
    assert all(a.get("src") for a in page.find("script"))
    assert not page.find("style") and not any("style" in a for _, a in page.tags)
    assert not any(k.startswith("on") for _, a in page.tags for k in a)
    for _, attrs in page.tags:
        for key in ("src", "href", "srcset", "action"):
            value = attrs.get(key) or ""
            assert not re.match(r"^\s*(https?:)?//", value), (key, value)
    # Every visible input has a label bound to it, and the error region is live.
    labels = {a["for"] for a in page.find("label")}
    inputs = [a for a in page.find("input") if a.get("type") != "hidden"]
    assert all(a["id"] in labels for a in inputs)
    assert inputs or path == "/forgot-password"  # no e-mail connector: nothing to reset with
    assert len({a["id"] for a in inputs}) == len(inputs)
    error = page.find("div", id="error")[0]
    assert error["role"] == "alert" and error["aria-live"] == "assertive"
    assert page.find("h1")


def test_assets_are_served_with_cache_headers_and_no_external_urls(web: httpx.Client) -> None:
    for path in ASSETS:
        res = web.get(path)
        assert res.status_code == 200, path
        assert res.headers["x-content-type-options"] == "nosniff"
        assert "cache-control" in res.headers
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", res.text), path
    assert web.get("/sign-in-assets/signin.js").headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert web.get("/sign-in-assets/theme.css").headers["cache-control"] == "no-cache"
    assert "max-age" in web.get("/sign-in-assets/signin.css").headers["cache-control"]


def test_javascript_never_writes_html(web: httpx.Client) -> None:
    js = web.get("/sign-in-assets/signin.js").text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js
    assert "credentials: 'same-origin'" in js and "'Content-Type': 'application/json'" in js


def test_unknown_paths_and_methods(web: httpx.Client) -> None:
    assert web.get("/sign-in-assets/nope.js").status_code == 404
    assert web.get("/sign-in-assets/../app.py").status_code == 404
    assert web.get("/sign-in-assets/%2e%2e/web.py").status_code == 404
    assert web.get("/sign-in-assets/templates/base.html").status_code == 404
    assert web.get("/sign-in/extra").status_code == 404
    assert web.get("/sign-inx").status_code == 404
    assert web.post("/sign-in", json={}).status_code == 405
    assert web.head("/sign-in").status_code == 200


def test_branding_colours_logo_and_dark_mode(web: httpx.Client, admin: httpx.Client, restore: None) -> None:
    # The seed's logto.io logo is not shown: the page loads nothing from elsewhere by default.
    assert not Page(web.get("/sign-in").text).find("img")
    patch = {
        "color": {"primaryColor": "#FFEE00", "isDarkModeEnabled": True, "darkPrimaryColor": "#102030"},
        "branding": {"logoUrl": "https://cdn.example.com/logo.png", "darkLogoUrl": "https://cdn.example.com/dark.png"},
        "customCss": ".card { border: 1px solid red; }",
    }
    assert admin.patch("/api/sign-in-exp", json=patch).status_code == 200
    page = Page(web.get("/sign-in").text)
    assert page.find("img")[0]["src"] == "https://cdn.example.com/logo.png"
    assert page.find("source")[0]["srcset"] == "https://cdn.example.com/dark.png"
    css = web.get("/sign-in-assets/theme.css").text
    assert "--primary: #FFEE00; --on-primary: #000000;" in css  # dark text on a light colour
    assert "prefers-color-scheme: dark" in css and "--primary: #102030; --on-primary: #ffffff;" in css
    assert css.endswith(".card { border: 1px solid red; }")
    # A logo that is not https (or a data: image) is dropped rather than served.
    admin.patch("/api/sign-in-exp", json={"branding": {"logoUrl": "javascript:alert(1)"}})
    assert not Page(web.get("/sign-in").text).find("img")


def test_custom_phrases_and_language_choice(web: httpx.Client, admin: httpx.Client, restore: None) -> None:
    assert admin.put("/api/custom-phrases/en", json={"action": {"sign_in": "Log in now"}}).status_code == 201
    fr = {"action": {"sign_in": "Se connecter"}, "input": {"password": "Mot de passe"}}
    assert admin.put("/api/custom-phrases/fr", json=fr).status_code == 201
    english = Page(web.get("/sign-in").text)
    assert "Log in now" in english.text and "Password" in english.text
    french = web.get("/sign-in", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    page = Page(french.text)
    assert page.find("html")[0]["lang"] == "fr"
    assert "Se connecter" in page.text and "Mot de passe" in page.text
    assert "Username" in page.text  # no French phrase for it: the built-in English one
    # ui_locales wins over Accept-Language; a language with no words falls through to English.
    assert Page(web.get("/sign-in?ui_locales=en", headers={"Accept-Language": "fr"}).text).find("html")[0]["lang"] == "en"
    assert Page(web.get("/sign-in", headers={"Accept-Language": "de"}).text).find("html")[0]["lang"] == "en"
    # autoDetect off: Accept-Language is ignored.
    admin.patch("/api/sign-in-exp", json={"languageInfo": {"autoDetect": False, "fallbackLanguage": "en"}})
    assert Page(web.get("/sign-in", headers={"Accept-Language": "fr"}).text).find("html")[0]["lang"] == "en"


def test_tenant_text_is_escaped(web: httpx.Client, admin: httpx.Client, restore: None) -> None:
    evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    phrases = {
        "action": {"sign_in": evil, "create_account": evil},
        "input": {"username": evil},
        "error": {"something_went_wrong": evil},  # lands in a data- attribute
        "description": {"sign_in_to_your_account": evil},
    }
    assert admin.put("/api/custom-phrases/en", json=phrases).status_code == 201
    assert admin.patch("/api/sign-in-exp", json={"branding": {"logoUrl": f"https://x.example/a.png?{evil.replace(' ', '')}"}}).status_code == 200
    html = web.get("/sign-in").text
    assert "<script>alert" not in html and "<img src=x" not in html
    page = Page(html)
    assert not any(k.startswith("on") for _, a in page.tags for k in a)
    assert evil in page.text  # shown as text
    assert page.find("main")[0]["data-msg-generic"] == evil  # and kept whole inside the attribute
    assert page.find("img")[0]["src"].startswith("https://x.example/a.png?")
    assert len(page.find("script")) == 1
    # Colours are checked: anything but a hex colour falls back to the default.
    css = web.get("/sign-in-assets/theme.css").text
    assert "script" not in css


def test_sign_in_modes_redirect_between_pages(web: httpx.Client, admin: httpx.Client, restore: None) -> None:
    page = Page(web.get("/sign-in?app_id=abc").text)
    assert page.find("a", href="/register?app_id=abc")
    assert admin.patch("/api/sign-in-exp", json={"signInMode": "Register"}).status_code == 200
    res = web.get("/sign-in?app_id=abc")
    assert res.status_code == 302 and res.headers["location"] == "/register?app_id=abc"
    assert web.get("/register?app_id=abc").status_code == 200
    assert admin.patch("/api/sign-in-exp", json={"signInMode": "SignIn"}).status_code == 200
    res = web.get("/register?app_id=abc")
    assert res.status_code == 302 and res.headers["location"] == "/sign-in?app_id=abc"
    assert not Page(web.get("/sign-in?app_id=abc").text).find("a", href="/register?app_id=abc")
    assert web.get("/identifier").status_code == 200


def test_register_page_follows_sign_up_settings(web: httpx.Client) -> None:
    page = Page(web.get("/register").text)
    assert page.find("form", **{"data-action": "register-username"})
    assert {a["autocomplete"] for a in page.find("input") if a["id"] in ("new-password", "confirm-password")} == {"new-password"}
    sign_in = Page(web.get("/sign-in").text)
    assert sign_in.find("input", id="password")[0]["autocomplete"] == "current-password"
    assert sign_in.find("input", id="identifier")[0]["autocomplete"] == "username"


def test_every_built_in_phrase_can_be_customised() -> None:
    """The built-in English words sit under Logto's key paths, which PUT /api/custom-phrases accepts."""
    import json
    from pathlib import Path

    from authkeep.signin.phrases import EN

    catalogue = json.loads((Path(__file__).parents[1] / "src/authkeep/domain/phrase_keys.json").read_text())

    def walk(tree: dict[str, object], known: object, path: str) -> None:
        for key, value in tree.items():
            assert isinstance(known, dict) and key in known, f"{path}{key}"
            if isinstance(value, dict):
                walk(value, known[key], f"{path}{key}.")

    walk(EN, catalogue, "")


def test_hostile_request_inputs_never_break_a_page(web: httpx.Client) -> None:
    headers = {"Accept-Language": ",".join(["x-" + "a" * 50 + ";q=abc"] * 200), "Cookie": "_interaction=" + "%00" * 300}
    for path in PAGES:
        assert web.get(path, headers=headers).status_code == 200
        assert web.get(path, params={"ui_locales": "\u0000 <x> " * 500}).status_code == 200
        res = web.get(path, headers={"Cookie": "_interaction=' OR 1=1 --"})
        assert res.status_code == 200 and Page(res.text).find("html")[0]["lang"] == "en"
    assert web.get("/sign-in-assets/theme.css", headers=headers).status_code == 200
