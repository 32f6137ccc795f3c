"""The console's sign-in experience page: identifiers, password policy and branding forms."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import fresh_server
from tests.server import Server
from tests.test_console import create_admin, csrf_of, flash_of, sign_in

PAGE = "/console/sign-in-experience"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param) as server:
        create_admin(server, "root")
        yield server


@pytest.fixture(scope="module")
def ui(srv: Server) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=srv.base_url, timeout=30, follow_redirects=True) as client:
        page = sign_in(client, "root")
        yield client, csrf_of(page.text)


@pytest.fixture(scope="module")
def api(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as c:
        yield c


def test_page_and_nav(ui: tuple[httpx.Client, str]) -> None:
    client, _ = ui
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'href="/console/sign-in-experience" aria-current="page"' in page.text
    assert 'href="/console/connectors"' in page.text
    assert 'value="#6139F6"' in page.text and 'name="signup_identifier" value="username" checked' in page.text


def test_identifiers(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    data = {"csrf": token, "back": PAGE, "signup_identifier": "username", "signup_password": "on",
            "signin_username": "on", "signin_username_password": "on"}
    saved = client.post(f"{PAGE}/identifiers", data=data)
    assert "Identifiers saved." in flash_of(saved.text)
    refused = client.post(f"{PAGE}/identifiers", data={**data, "signup_identifier": "email", "signup_verify": "on"})
    assert "connector" in flash_of(refused.text).lower()  # no e-mail connector yet
    assert api.get("/api/sign-in-exp").json()["signUp"]["identifiers"] == ["username"]
    none = client.post(f"{PAGE}/identifiers", data={"csrf": token, "back": PAGE, "signup_identifier": "username"})
    assert "at least one way" in flash_of(none.text)


def test_password_policy(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    saved = client.post(f"{PAGE}/password-policy", data={
        "csrf": token, "back": PAGE, "min_length": "12", "max_length": "64", "character_types": "3",
        "pwned": "on", "words": "acme\nwidget\n"})
    assert "Password policy saved." in flash_of(saved.text)
    policy = api.get("/api/sign-in-exp").json()["passwordPolicy"]
    assert policy["length"] == {"min": 12, "max": 64} and policy["characterTypes"] == {"min": 3}
    assert policy["rejects"] == {"pwned": True, "repetitionAndSequence": False, "userInfo": False,
                                 "words": ["acme", "widget"]}
    bad = client.post(f"{PAGE}/password-policy", data={"csrf": token, "back": PAGE, "character_types": "9"})
    assert "invalid" in flash_of(bad.text).lower()


def test_branding(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    saved = client.post(f"{PAGE}/branding", data={
        "csrf": token, "back": PAGE, "primaryColor": "#112233", "darkPrimaryColor": "#445566", "dark": "dark",
        "logoUrl": "https://example.com/logo.svg", "termsOfUseUrl": "https://example.com/terms"})
    assert "Branding saved." in flash_of(saved.text)
    sie = api.get("/api/sign-in-exp").json()
    assert sie["color"] == {"primaryColor": "#112233", "darkPrimaryColor": "#445566", "isDarkModeEnabled": True}
    assert sie["branding"] == {"logoUrl": "https://example.com/logo.svg"}
    assert sie["termsOfUseUrl"] == "https://example.com/terms" and sie["privacyPolicyUrl"] is None
    bad = client.post(f"{PAGE}/branding", data={"csrf": token, "back": PAGE, "primaryColor": "blue",
                                                 "darkPrimaryColor": "#000"})
    assert flash_of(bad.text) and api.get("/api/sign-in-exp").json()["color"]["primaryColor"] == "#112233"


def test_needs_sign_in(srv: Server) -> None:
    res = httpx.get(srv.base_url + PAGE, follow_redirects=False)
    assert res.status_code in (302, 303) and "/console/sign-in" in res.headers["location"]
