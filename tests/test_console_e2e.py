"""The console in a real headless Chromium (Debian's, driven by Playwright): the seed's flow, the
read-only Management API, user search, an organization invitation, keyboard and narrow screens.

Screenshots go to a temporary folder; with AUTHKEEP_UPDATE_SCREENSHOTS=1 they refresh
docs/screenshots/ instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI, fresh_server, unique
from tests.server import MGMT, Server
from tests.test_console import PASSWORD, create_admin

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

if not (shutil.which("chromium") or os.path.exists(CHROMIUM)):
    if IN_CI:
        raise RuntimeError("chromium is required in CI (make console-deps installs it)")
    pytest.skip("Debian's chromium is not installed (make console-deps)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def srv() -> Iterator[Server]:
    with fresh_server("sqlite") as server:
        create_admin(server, "root")
        yield server


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("AUTHKEEP_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object, srv: Server) -> Iterator[object]:
    context = chromium.new_context(base_url=srv.base_url, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=srv.base_url)
    tab = context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())  # the JS confirm() before destructive actions
    yield tab
    context.close()


def sign_in(page: object, shots: Path | None = None) -> None:
    page.goto("/console/")  # type: ignore[attr-defined]
    page.get_by_label("Username").fill("root")  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    if shots:
        page.screenshot(path=shots / "sign-in.png")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    sync_api.expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def nav(page: object, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()  # type: ignore[attr-defined]


def test_seed_flow_m2m_app_with_management_access(page: object, srv: Server, shots: Path) -> None:
    p = page
    sign_in(p, shots)

    nav(p, "Applications")
    p.get_by_role("link", name="Create application").first.click()  # type: ignore[attr-defined]
    p.get_by_label("Machine-to-machine").check()  # type: ignore[attr-defined]
    name = unique("seed-m2m")
    p.get_by_label("Name").fill(name)  # type: ignore[attr-defined]
    p.screenshot(path=shots / "application-create.png", full_page=True)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Create application").click()  # type: ignore[attr-defined]

    # Straight to role assignment; the access role carries the Management API badge.
    sync_api.expect(p.get_by_role("heading", name=f"Assign roles to “{name}”")).to_be_visible()
    access = p.locator("label.choice", has_text="Logto Management API access")  # type: ignore[attr-defined]
    sync_api.expect(access.locator(".badge.mgmt")).to_be_visible()
    access.get_by_role("checkbox").check()
    p.screenshot(path=shots / "application-assign-roles.png", full_page=True)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Assign roles").click()  # type: ignore[attr-defined]

    sync_api.expect(p.get_by_role("status")).to_have_text("1 role assigned.")  # type: ignore[attr-defined]
    role_row = p.locator("#roles li", has_text="Logto Management API access")  # type: ignore[attr-defined]
    sync_api.expect(role_row.locator(".badge.mgmt")).to_be_visible()

    # App ID from the page, secret revealed with "Show", and the copy button really copies.
    app_id = p.locator("#app-id").inner_text()  # type: ignore[attr-defined]
    p.screenshot(path=shots / "application-details.png", full_page=True)  # type: ignore[attr-defined]
    secret_box = p.locator("details.secret").first  # type: ignore[attr-defined]
    sync_api.expect(secret_box.locator("code")).to_be_hidden()
    secret_box.locator("summary").click()
    sync_api.expect(secret_box.locator("code")).to_be_visible()
    secret = secret_box.locator("code").inner_text()
    p.get_by_role("button", name="Copy App ID").click()  # type: ignore[attr-defined]
    assert p.evaluate("navigator.clipboard.readText()") == app_id  # type: ignore[attr-defined]
    p.locator("button.copy[data-copy]").nth(1).click()  # type: ignore[attr-defined]
    assert p.evaluate("navigator.clipboard.readText()") == secret  # type: ignore[attr-defined]
    secret_box.locator("summary").click()  # and hide it again
    sync_api.expect(secret_box.locator("code")).to_be_hidden()

    # What the seed does next with curl: a token, then /api/applications.
    token = httpx.post(
        f"{srv.base_url}/oidc/token",
        data={"grant_type": "client_credentials", "resource": MGMT, "scope": "all"},
        auth=(app_id, secret),
    )
    assert token.status_code == 200, token.text
    listed = httpx.get(
        f"{srv.base_url}/api/applications", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert listed.status_code == 200 and app_id in [a["id"] for a in listed.json()]

    nav(p, "Applications")
    p.get_by_label("Search applications").fill(name)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Search").click()  # type: ignore[attr-defined]
    sync_api.expect(p.get_by_role("link", name=name)).to_be_visible()  # type: ignore[attr-defined]
    p.screenshot(path=shots / "applications.png", full_page=True)  # type: ignore[attr-defined]

    # The role's own page: its Management API permission and the apps holding it.
    nav(p, "Roles")
    p.get_by_role("link", name="Logto Management API access").click()  # type: ignore[attr-defined]
    sync_api.expect(p.locator("h1 .badge.mgmt")).to_be_visible()  # type: ignore[attr-defined]
    sync_api.expect(p.locator("#permissions li[data-scope='all']")).to_be_visible()  # type: ignore[attr-defined]
    sync_api.expect(p.locator("#members").get_by_role("link", name=name)).to_be_visible()  # type: ignore[attr-defined]
    p.screenshot(path=shots / "role-details.png", full_page=True)  # type: ignore[attr-defined]


def test_management_api_resource_is_read_only(page: object, shots: Path) -> None:
    p = page
    sign_in(p)
    nav(p, "API resources")
    row = p.locator("tr", has_text="Logto Management API")  # type: ignore[attr-defined]
    sync_api.expect(row.get_by_text("read-only")).to_be_visible()
    p.screenshot(path=shots / "api-resources.png", full_page=True)  # type: ignore[attr-defined]
    row.get_by_role("link", name="Logto Management API").click()
    sync_api.expect(p.locator("#read-only-note")).to_be_visible()  # type: ignore[attr-defined]
    sync_api.expect(p.locator("tr[data-scope='all']")).to_be_visible()  # type: ignore[attr-defined]
    for name in ("Save changes", "Create permission", "Delete", "Save"):
        assert p.get_by_role("button", name=name).count() == 0, name  # type: ignore[attr-defined]
    assert p.get_by_role("link", name="Delete API resource").count() == 0  # type: ignore[attr-defined]
    assert p.locator("main form").count() == 0  # type: ignore[attr-defined]
    p.screenshot(path=shots / "api-resource-management-api.png", full_page=True)  # type: ignore[attr-defined]

    # Another resource is editable, with its permissions.
    nav(p, "API resources")
    p.get_by_role("link", name="Create API resource").click()  # type: ignore[attr-defined]
    p.get_by_label("Name").fill("Orders API")  # type: ignore[attr-defined]
    p.get_by_label("API identifier").fill(f"https://{unique('orders')}.example.com")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Create API resource").click()  # type: ignore[attr-defined]
    p.get_by_label("New permission").fill("read:orders")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Create permission").click()  # type: ignore[attr-defined]
    sync_api.expect(p.locator("tr[data-scope='read:orders']")).to_be_visible()  # type: ignore[attr-defined]
    sync_api.expect(p.get_by_role("link", name="Delete API resource")).to_be_visible()  # type: ignore[attr-defined]


def test_user_search_fuzzy_exact_and_case(page: object, srv: Server, shots: Path) -> None:
    tag = unique("e2e").replace("-", "")
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}) as api:
        for first in ("Ada", "Adam", "Grace"):
            made = api.post("/api/users", json={"username": f"{tag}{first}", "name": f"{first} {tag}",
                                                "primaryEmail": f"{first.lower()}.{tag}@example.com"})
            assert made.status_code == 200, made.text
    p = page
    sign_in(p)
    sync_api.expect(p.locator(".stats strong").first).not_to_have_text("0")  # type: ignore[attr-defined]
    p.screenshot(path=shots / "dashboard.png", full_page=True)  # type: ignore[attr-defined]
    nav(p, "Users")
    p.get_by_label("Search users").fill(f"{tag}ada")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Search").click()  # type: ignore[attr-defined]
    rows = p.locator("tbody tr")  # type: ignore[attr-defined]
    sync_api.expect(rows).to_have_count(2)  # fuzzy and case-insensitive: Ada and Adam
    p.get_by_label("Exact").check()  # type: ignore[attr-defined]
    p.get_by_label("Search in").select_option("username")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Search").click()  # type: ignore[attr-defined]
    sync_api.expect(rows).to_have_count(1)
    sync_api.expect(rows.first).to_contain_text(f"Ada {tag}")
    p.get_by_label("Case-sensitive").check()  # type: ignore[attr-defined]
    p.get_by_role("button", name="Search").click()  # type: ignore[attr-defined]
    sync_api.expect(p.get_by_text("No user matches")).to_be_visible()  # type: ignore[attr-defined]
    p.get_by_label("Search users").fill(f"{tag}Ada")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Search").click()  # type: ignore[attr-defined]
    sync_api.expect(rows).to_have_count(1)
    p.screenshot(path=shots / "users-search.png", full_page=True)  # type: ignore[attr-defined]
    rows.first.get_by_role("link").click()
    p.get_by_role("button", name="Suspend user").click()  # type: ignore[attr-defined]
    sync_api.expect(p.get_by_role("status")).to_have_text("User suspended: they cannot sign in.")  # type: ignore[attr-defined]
    sync_api.expect(p.get_by_role("button", name="Reactivate user")).to_be_visible()  # type: ignore[attr-defined]
    p.screenshot(path=shots / "user-details.png", full_page=True)  # type: ignore[attr-defined]


def test_organization_members_roles_and_invitation(page: object, srv: Server, shots: Path) -> None:
    member = unique("member").replace("-", "")
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}) as api:
        assert api.post("/api/users", json={"username": member, "name": f"Member {member}"}).status_code == 200
    p = page
    sign_in(p)
    role = unique("member")
    nav(p, "Organizations")
    p.get_by_role("link", name="Organization roles").click()  # type: ignore[attr-defined]
    p.get_by_label("New role name").fill(role)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Create role").click()  # type: ignore[attr-defined]
    sync_api.expect(p.get_by_role("status")).to_contain_text(role)  # type: ignore[attr-defined]

    nav(p, "Organizations")
    p.get_by_role("link", name="Create organization").first.click()  # type: ignore[attr-defined]
    org = unique("Acme")
    p.get_by_label("Name").fill(org)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Create organization").click()  # type: ignore[attr-defined]
    sync_api.expect(p.get_by_role("heading", name=org)).to_be_visible()  # type: ignore[attr-defined]

    p.get_by_label("Find users to add").fill(member)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Find").click()  # type: ignore[attr-defined]
    p.get_by_label(f"Member {member}").check()  # type: ignore[attr-defined]
    p.get_by_role("button", name="Add members").click()  # type: ignore[attr-defined]
    member_row = p.locator(f"tr[data-member='Member {member}']")  # type: ignore[attr-defined]
    sync_api.expect(member_row).to_contain_text("No role")
    member_row.get_by_label(f"Role for Member {member}").select_option(label=role)
    member_row.get_by_role("button", name=f"Add role to Member {member}").click()
    sync_api.expect(member_row.locator(".badge")).to_have_text(role)

    invitee = f"{unique('guest')}@example.com"
    p.get_by_label("Invite by email").fill(invitee)  # type: ignore[attr-defined]
    p.locator("#invitations").get_by_label(role).check()  # type: ignore[attr-defined]
    p.get_by_role("button", name="Create invitation").click()  # type: ignore[attr-defined]
    row = p.locator(f"tr[data-invitee='{invitee}']")  # type: ignore[attr-defined]
    sync_api.expect(row.locator("[data-status]")).to_have_text("Pending")
    sync_api.expect(row).to_contain_text(role)
    p.screenshot(path=shots / "organization.png", full_page=True)  # type: ignore[attr-defined]
    row.get_by_role("button", name=f"Revoke invitation for {invitee}").click()
    sync_api.expect(row.locator("[data-status]")).to_have_text("Revoked")
    assert row.get_by_role("button", name=f"Revoke invitation for {invitee}").count() == 0


def test_keyboard_only_on_a_narrow_screen(chromium: object, srv: Server, shots: Path) -> None:
    context = chromium.new_context(base_url=srv.base_url, viewport={"width": 375, "height": 740})  # type: ignore[attr-defined]
    p = context.new_page()
    try:
        p.goto("/console/sign-in")
        assert p.evaluate("document.activeElement.id") == "username"  # autofocus
        p.keyboard.type("root")
        p.keyboard.press("Tab")
        p.keyboard.type(PASSWORD)
        p.keyboard.press("Enter")
        sync_api.expect(p.get_by_role("heading", name="Dashboard")).to_be_visible()
        p.keyboard.press("Tab")  # the skip link comes first, then the main navigation
        assert p.evaluate("document.activeElement.textContent") == "Skip to content"
        for _ in range(3):
            p.keyboard.press("Tab")
        assert p.evaluate("document.activeElement.textContent") == "Applications"
        p.keyboard.press("Enter")
        sync_api.expect(p.get_by_role("heading", name="Applications")).to_be_visible()
        for path in ("/console/", "/console/applications", "/console/users", "/console/resources/management-api"):
            p.goto(path)
            overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
        p.goto("/console/applications")
        p.screenshot(path=shots / "narrow-applications.png", full_page=True)
    finally:
        context.close()
