"""The hosted sign-in pages in Debian's Chromium (Playwright).

Two kinds of tests share one browser:
- against the real Experience API, with an interaction from a real `/oidc/auth`
  (`tests.end_user.start_interaction`);
- against a scripted stand-in for the Experience/consent API (Playwright answers those requests
  in the browser): the flows the real API cannot drive yet here (MFA, e-mail codes, forgot
  password, consent), checking the calls the page makes and what the person sees.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.conftest import IN_CI, fresh_server, unique
from tests.end_user import start_interaction
from tests.server import Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
PASSWORD = "Pages-e2e-Passw0rd"
REDIRECT = "http://127.0.0.1:9/callback"

if not (shutil.which("chromium") or os.path.exists(CHROMIUM)):
    if IN_CI:
        raise RuntimeError("chromium is required in CI (make console-deps installs it)")
    pytest.skip("Debian's chromium is not installed (make console-deps)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def srv() -> Iterator[Server]:
    with fresh_server("sqlite") as server:
        yield server


@pytest.fixture(scope="module")
def admin(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(chromium: Any, srv: Server) -> Iterator[Any]:
    ctx = chromium.new_context(base_url=srv.base_url)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def app_id(admin: httpx.Client) -> str:
    body = {"name": "pages", "type": "Traditional", "oidcClientMetadata": {"redirectUris": [REDIRECT], "postLogoutRedirectUris": []}}
    return str(admin.post("/api/applications", json=body).json()["id"])


def field(page: Any, label: str) -> Any:
    """The visible input with this exact label (later steps wait hidden in the page)."""
    return page.get_by_label(label, exact=True).filter(visible=True)


def landing(page: Any, seen: list[str]) -> None:
    """Whatever the page is sent to afterwards (the OIDC resume) is recorded, not followed."""

    def answer(route: Any) -> None:
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/plain", body="landed")

    page.route("**/oidc/auth/**", answer)
    page.route("**/landed*", answer)


# --- the real Experience API ---------------------------------------------------------------


@pytest.fixture
def real(srv: Server, app_id: str, context: Any) -> str:
    """An interaction (a real `/oidc/auth`) whose cookie the browser holds."""
    with httpx.Client(base_url=srv.base_url, timeout=30) as probe:
        uid = start_interaction(srv, probe, app_id)
        status = probe.put("/api/experience", json={"interactionEvent": "SignIn"}).status_code
    assert status == 204
    context.add_cookies([{"name": "_interaction", "value": uid, "url": srv.base_url}])
    return uid


def new_user(admin: httpx.Client) -> str:
    username = unique("pages").replace("-", "_")
    assert admin.post("/api/users", json={"username": username, "password": PASSWORD}).status_code == 200
    return username


def test_password_sign_in_ends_at_redirect_to(context: Any, real: str, admin: httpx.Client, app_id: str) -> None:
    username = new_user(admin)
    page = context.new_page()
    seen: list[str] = []
    landing(page, seen)
    page.goto(f"/sign-in?app_id={app_id}")
    field(page, "Username").fill(username)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/oidc/auth/**")
    assert seen and urlparse(seen[0]).path == f"/oidc/auth/{real}"


def test_wrong_password_is_announced(context: Any, real: str, admin: httpx.Client, app_id: str) -> None:
    username = new_user(admin)
    page = context.new_page()
    page.goto(f"/sign-in?app_id={app_id}")
    field(page, "Username").fill(username)
    field(page, "Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Incorrect account or password")
    expect(field(page, "Username")).to_be_focused()
    expect(field(page, "Password")).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith(f"/sign-in?app_id={app_id}")


def test_registration(context: Any, real: str, admin: httpx.Client, app_id: str) -> None:
    page = context.new_page()
    seen: list[str] = []
    landing(page, seen)
    username = unique("reg").replace("-", "_")
    page.goto(f"/register?app_id={app_id}")
    field(page, "Username").fill(username)
    field(page, "Password").fill(PASSWORD)
    field(page, "Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/oidc/auth/**")
    found = admin.get("/api/users", params={"search.username": username}).json()
    assert [u["username"] for u in found] == [username]


def test_keyboard_only_sign_in(context: Any, real: str, admin: httpx.Client, app_id: str) -> None:
    username = new_user(admin)
    page = context.new_page()
    seen: list[str] = []
    landing(page, seen)
    page.goto(f"/sign-in?app_id={app_id}")
    page.keyboard.press("Tab")
    expect(field(page, "Username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(field(page, "Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/oidc/auth/**")
    assert seen


# --- a scripted stand-in for the API -------------------------------------------------------


class Script:
    """Answers `/api/experience*` and `/api/interaction/consent` in the browser from a script:
    `(method, path) -> [(status, body), ...]` (the last answer repeats); records every call."""

    def __init__(self, page: Any, answers: dict[tuple[str, str], list[tuple[int, Any]]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, Any, str | None]] = []
        page.route("**/api/experience**", self.handle)
        page.route("**/api/interaction/consent", self.handle)

    def handle(self, route: Any) -> None:
        request = route.request
        path = urlparse(request.url).path
        body = json.loads(request.post_data) if request.post_data else None
        self.calls.append((request.method, path, body, request.headers.get("content-type")))
        queue = self.answers.get((request.method, path)) or [(204, None)]
        status, data = queue.pop(0) if len(queue) > 1 else queue[0]
        route.fulfill(status=status, content_type="application/json", body="" if data is None else json.dumps(data))

    def paths(self) -> list[str]:
        return [f"{m} {p}" for m, p, _, _ in self.calls]

    def body(self, method: str, path: str) -> Any:
        return next(b for m, p, b, _ in self.calls if m == method and p == path)


def scripted(context: Any, answers: dict[tuple[str, str], list[tuple[int, Any]]]) -> tuple[Any, Script, list[str]]:
    page = context.new_page()
    script = Script(page, answers)
    seen: list[str] = []
    landing(page, seen)
    return page, script, seen


def test_mfa_totp_step_after_password(context: Any, srv: Server) -> None:
    mfa = {"code": "session.mfa.require_mfa_verification", "message": "MFA required.", "data": {"availableFactors": ["Totp"]}}
    page, script, seen = scripted(context, {
        ("POST", "/api/experience/verification/password"): [(200, {"verificationId": "pw1"})],
        ("POST", "/api/experience/submit"): [(403, mfa), (200, {"redirectTo": f"{srv.base_url}/landed"})],
        ("POST", "/api/experience/verification/totp/verify"): [(400, {"code": "session.mfa.invalid_totp_code", "message": "Invalid code."}),
                                                                (200, {"verificationId": "t1"})],
    })  # fmt: skip
    page.goto("/sign-in")
    field(page, "Username").fill("someone@example.com")
    field(page, "Password").fill("pw")
    page.keyboard.press("Enter")
    code = field(page, "Code")
    expect(code).to_be_focused()
    expect(page.get_by_role("heading", name="Enter the one-time code")).to_be_visible()
    code.fill("000000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Invalid code.")
    code.fill("123456")
    page.keyboard.press("Enter")
    page.wait_for_url("**/landed")
    assert script.paths() == [
        "PUT /api/experience", "POST /api/experience/verification/password", "POST /api/experience/identification",
        "POST /api/experience/submit", "POST /api/experience/verification/totp/verify",
        "POST /api/experience/verification/totp/verify", "POST /api/experience/submit",
    ]  # fmt: skip
    assert script.body("PUT", "/api/experience") == {"interactionEvent": "SignIn"}
    # Only username sign-in is on: the identifier goes as a username even with an @ in it.
    assert script.body("POST", "/api/experience/verification/password") == {
        "identifier": {"type": "username", "value": "someone@example.com"}, "password": "pw"}
    assert script.body("POST", "/api/experience/identification") == {"verificationId": "pw1"}
    assert all(ct == "application/json" for _, _, _, ct in script.calls)
    assert seen == [f"{srv.base_url}/landed"]


@pytest.fixture(scope="module")
def email_sign_in(admin: httpx.Client) -> None:
    made = admin.post("/api/connectors", json={"connectorId": "mock-email-service", "config": {}})
    if made.status_code != 200:
        pytest.skip(f"the mock e-mail connector is not available: {made.status_code}")
    res = admin.patch("/api/sign-in-exp", json={
        "signUp": {"identifiers": ["email"], "password": True, "verify": True},
        "signIn": {"methods": [
            {"identifier": "email", "password": True, "verificationCode": True, "isPasswordPrimary": True},
            {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True}]},
        "forgotPasswordMethods": ["EmailVerificationCode"],
    })  # fmt: skip
    assert res.status_code == 200, res.text


def test_email_code_sign_in(context: Any, srv: Server, email_sign_in: None) -> None:
    page, script, seen = scripted(context, {
        ("POST", "/api/experience/verification/verification-code"): [(200, {"verificationId": "c1"})],
        ("POST", "/api/experience/verification/verification-code/verify"): [(200, {"verificationId": "c1"})],
        ("POST", "/api/experience/submit"): [(200, {"redirectTo": f"{srv.base_url}/landed"})],
    })  # fmt: skip
    page.goto("/sign-in")
    expect(field(page, "Email / Username")).to_be_visible()
    page.get_by_role("button", name="Sign in with verification code").click()
    email = field(page, "Email")
    expect(email).to_be_focused()
    email.fill("ada@example.com")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("The verification code has been sent to your email ada@example.com")
    expect(field(page, "Code")).to_be_focused()
    field(page, "Code").fill("424242")
    page.keyboard.press("Enter")
    page.wait_for_url("**/landed")
    assert script.body("POST", "/api/experience/verification/verification-code") == {
        "identifier": {"type": "email", "value": "ada@example.com"}, "interactionEvent": "SignIn"}
    assert script.body("POST", "/api/experience/verification/verification-code/verify") == {
        "identifier": {"type": "email", "value": "ada@example.com"}, "verificationId": "c1", "code": "424242"}
    assert script.paths()[-2:] == ["POST /api/experience/identification", "POST /api/experience/submit"]
    assert seen == [f"{srv.base_url}/landed"]


def test_register_with_email_then_password(context: Any, srv: Server, email_sign_in: None) -> None:
    missing = {"code": "user.missing_profile", "message": "Missing.", "data": {"missingProfile": ["password"]}}
    page, script, seen = scripted(context, {
        ("POST", "/api/experience/verification/verification-code"): [(200, {"verificationId": "c2"})],
        ("POST", "/api/experience/verification/verification-code/verify"): [(200, {"verificationId": "c2"})],
        ("POST", "/api/experience/identification"): [(422, missing), (201, None)],
        ("POST", "/api/experience/submit"): [(200, {"redirectTo": f"{srv.base_url}/landed"})],
    })  # fmt: skip
    page.goto("/register")
    field(page, "Email").fill("new@example.com")
    page.keyboard.press("Enter")
    field(page, "Code").fill("111111")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Set password")).to_be_visible()
    field(page, "Password").fill("Secret-1")
    field(page, "Confirm password").fill("Secret-2")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Your passwords don’t match.")
    field(page, "Confirm password").fill("Secret-1")
    page.keyboard.press("Enter")
    page.wait_for_url("**/landed")
    assert script.body("PUT", "/api/experience") == {"interactionEvent": "Register"}
    assert script.body("POST", "/api/experience/profile") == {"type": "password", "value": "Secret-1"}
    assert script.paths()[-3:] == ["POST /api/experience/profile", "POST /api/experience/identification",
                                   "POST /api/experience/submit"]  # fmt: skip
    assert seen == [f"{srv.base_url}/landed"]


def test_forgot_password(context: Any, email_sign_in: None) -> None:
    page, script, _ = scripted(context, {
        ("POST", "/api/experience/verification/verification-code"): [(200, {"verificationId": "c3"})],
        ("POST", "/api/experience/verification/verification-code/verify"): [(200, {"verificationId": "c3"})],
        ("POST", "/api/experience/submit"): [(200, None)],
    })  # fmt: skip
    page.goto("/sign-in?app_id=x")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/forgot-password?app_id=x")
    field(page, "Email").fill("ada@example.com")
    page.keyboard.press("Enter")
    field(page, "Code").fill("999999")
    page.keyboard.press("Enter")
    field(page, "Password").fill("New-passw0rd")
    field(page, "Confirm password").fill("New-passw0rd")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    assert script.body("PUT", "/api/experience") == {"interactionEvent": "ForgotPassword"}
    assert script.body("PUT", "/api/experience/profile/password") == {"password": "New-passw0rd"}
    assert script.paths()[-3:] == ["POST /api/experience/identification", "PUT /api/experience/profile/password",
                                   "POST /api/experience/submit"]  # fmt: skip


def _consent_html(srv: Server, query: str) -> tuple[int, dict[str, str], str]:
    """The consent page as `authkeep.signin.consent.consent_page` renders it, in process on the
    server's database (the `/consent` route that calls it is the OIDC side's)."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    from authkeep.app import start_state
    from authkeep.config import load_settings
    from authkeep.signin.consent import consent_page

    async def render() -> tuple[int, dict[str, str], str]:
        state = await start_state(load_settings(srv.env))
        app = Starlette(routes=[Route("/consent", consent_page)])
        app.state.authkeep = state
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=srv.base_url) as client:
                res = await client.get(f"/consent?{query}")
                return res.status_code, dict(res.headers), res.text
        finally:
            await state.db.dispose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        return pool.submit(asyncio.run, render()).result()


def test_consent_page(context: Any, srv: Server) -> None:
    status, headers, html = _consent_html(srv, "app_id=third")
    assert status == 200 and "frame-ancestors 'none'" in headers["content-security-policy"]
    info = {
        "application": {"id": "third", "name": "<b>Third</b> app", "termsOfUseUrl": "javascript:alert(1)",
                        "privacyPolicyUrl": "https://third.example/privacy"},
        "user": {"id": "u1", "username": "ada"},
        "missingOIDCScope": ["openid", "profile", "email", "offline_access"],
        "missingResourceScopes": [{"resource": {"id": "r1", "name": "Orders API", "indicator": "https://orders"},
                                   "scopes": [{"id": "s1", "name": "read:orders", "description": "Read your orders"}]}],
        "redirectUri": "https://third.example/callback?x=1",
    }  # fmt: skip
    page, script, seen = scripted(context, {
        ("GET", "/api/interaction/consent"): [(200, info)],
        ("POST", "/api/interaction/consent"): [(200, {"redirectTo": f"{srv.base_url}/landed"})],
    })
    page.route(lambda url: urlparse(url).path == "/consent", lambda route: route.fulfill(status=status, headers=headers, body=html))
    page.goto("/consent?app_id=third")
    expect(page.get_by_role("heading", level=1)).to_have_text("Authorize <b>Third</b> app")
    expect(page.get_by_text("<b>Third</b> app is requesting access to:")).to_be_visible()
    user_scopes = page.get_by_role("region", name="Personal user data").get_by_role("listitem")
    expect(user_scopes).to_have_text(["Your name, username, avatar, and other profile info", "Your email address"])
    expect(page.get_by_role("region", name="Orders API")).to_contain_text("read:orders Read your orders")
    expect(page.get_by_text("You will be redirected to https://third.example.")).to_be_visible()
    expect(page.get_by_role("link", name="Terms of Use")).to_be_hidden()  # not an http(s) link
    expect(page.get_by_role("link", name="Privacy Policy")).to_have_attribute("href", "https://third.example/privacy")
    expect(page.get_by_role("link", name="Use another account")).to_have_attribute("href", "/oidc/session/end?client_id=third")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**/landed")
    assert script.paths() == ["GET /api/interaction/consent", "POST /api/interaction/consent"]
    assert script.body("POST", "/api/interaction/consent") == {}
    assert seen == [f"{srv.base_url}/landed"]


def test_consent_page_shows_api_errors(context: Any, srv: Server) -> None:
    status, headers, html = _consent_html(srv, "")
    gone = {"code": "session.not_found", "message": "Session not found."}
    page, _, _ = scripted(context, {("GET", "/api/interaction/consent"): [(400, gone)]})
    page.route(lambda url: urlparse(url).path == "/consent", lambda route: route.fulfill(status=status, headers=headers, body=html))
    page.goto("/consent")
    expect(page.get_by_role("alert")).to_have_text("Session not found.")
    expect(page.get_by_role("button", name="Authorize")).to_be_disabled()

