"""The console's webhooks and audit logs pages: create a webhook with events, edit it, disable and
enable it, send a test event (seen by a local HTTP receiver) and see it among the recent
deliveries, rotate the key, delete; then filter the audit logs and open one."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import fresh_server
from tests.connector_helpers import HttpReceiver
from tests.server import Server
from tests.test_console import create_admin, csrf_of, flash_of, sign_in


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


def test_webhook_lifecycle(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    listing = client.get("/console/hooks")
    assert listing.status_code == 200 and "No webhooks yet." in listing.text
    assert 'href="/console/hooks"' in listing.text and 'href="/console/logs"' in listing.text
    form = client.get("/console/hooks/new")
    assert 'value="User.Created"' in form.text and 'value="PostSignIn"' in form.text

    none = client.post("/console/hooks", data={"csrf": token, "name": "n", "url": "https://example.com/h"})
    assert none.status_code == 400 and "Choose at least one event." in flash_of(none.text)
    forged = client.post("/console/hooks", data={"csrf": "nope", "name": "n", "url": "https://x", "events": "User.Created"})
    assert forged.status_code == 403
    assert api.get("/api/hooks").json() == []

    with HttpReceiver() as receiver:
        data = {"csrf": token, "name": "audit", "url": receiver.url, "events": ["User.Created", "Role.Deleted", "Bogus"]}
        made = client.post("/console/hooks", data=data)
        assert made.status_code == 200 and "Webhook created." in flash_of(made.text)
        hook_id = made.url.path.split("/")[-1]
        hook = api.get(f"/api/hooks/{hook_id}").json()
        assert hook["name"] == "audit" and hook["events"] == ["User.Created", "Role.Deleted"]
        assert hook["config"] == {"url": receiver.url} and hook["enabled"] is True
        assert hook["signingKey"] in made.text
        assert made.headers["content-security-policy"].startswith("default-src 'self'")

        here = f"/console/hooks/{hook_id}"
        edit = {"csrf": token, "name": "audit 2", "url": receiver.url, "events": ["User.Created"], "back": here}
        assert "Changes saved." in flash_of(client.post(here, data=edit).text)
        assert api.get(f"/api/hooks/{hook_id}").json()["events"] == ["User.Created"]

        off = client.post(f"{here}/enabled", data={"csrf": token, "enabled": "false"})
        assert "Webhook disabled." in flash_of(off.text) and "Enable webhook" in off.text
        assert api.get(f"/api/hooks/{hook_id}").json()["enabled"] is False
        on = client.post(f"{here}/enabled", data={"csrf": token, "enabled": "true"})
        assert "Webhook enabled." in flash_of(on.text)
        assert api.get(f"/api/hooks/{hook_id}").json()["enabled"] is True

        sent = client.post(f"{here}/test", data={"csrf": token, "event": "User.Created", "back": here})
        assert "Test event User.Created delivered." in flash_of(sent.text)
        assert receiver.requests[-1]["json"]["event"] == "User.Created"
        assert 'data-testid="hook-deliveries"' in sent.text and "TriggerHook" not in sent.text
        assert re.search(r"<td>Success</td>\s*<td>200</td>", sent.text)

        receiver.status = 500
        failed = client.post(f"{here}/test", data={"csrf": token, "event": "User.Created", "back": here})
        assert "The test event was not accepted" in flash_of(failed.text)
        assert re.search(r"<td>Error</td>\s*<td>500</td>", failed.text)

    old_key = api.get(f"/api/hooks/{hook_id}").json()["signingKey"]
    rotated = client.post(f"{here}/signing-key", data={"csrf": token})
    new_key = api.get(f"/api/hooks/{hook_id}").json()["signingKey"]
    assert "Signing key rotated" in flash_of(rotated.text) and new_key != old_key and new_key in rotated.text

    delivery = re.findall(r'data-delivery="([^"]+)"', rotated.text)
    assert len(delivery) == 2
    log = client.get(f"/console/logs/{delivery[0]}")
    assert log.status_code == 200 and "TriggerHook.User.Created" in log.text and "<dd>Error</dd>" in log.text
    assert f'href="/console/hooks/{hook_id}"' in log.text

    listed = client.get("/console/hooks")
    assert f'data-hook="{hook_id}"' in listed.text and "audit 2" in listed.text
    assert re.search(rf'data-hook="{hook_id}">(?:(?!</tr>).)*<td>1 of 2</td>', listed.text, re.DOTALL)
    assert "Delete webhook" in client.get(f"{here}/delete").text
    gone = client.post(f"{here}/delete", data={"csrf": token})
    assert "Webhook deleted." in flash_of(gone.text)
    assert api.get(f"/api/hooks/{hook_id}").status_code == 404
    assert client.get(here).status_code == 404


def _wait_for_logs(api: httpx.Client, **params: str) -> list[dict]:
    """The audit log is written in the background (a short batch delay)."""
    for _ in range(50):
        found = api.get("/api/logs", params=params).json()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no logs for {params}")


def test_audit_logs_filter_and_detail(srv: Server, ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, _token = ui
    srv.token()
    bad = httpx.post(f"{srv.base_url}/oidc/token", data={"grant_type": "client_credentials"}, auth=(srv.client_id, "wrong"))
    assert bad.status_code == 401
    key = "ExchangeTokenBy.ClientCredentials"
    expected = _wait_for_logs(api, logKey=key, applicationId=srv.client_id)

    listing = client.get("/console/logs", params={"logKey": key, "applicationId": srv.client_id})
    assert listing.status_code == 200 and f'value="{key}"' in listing.text and f'value="{srv.client_id}"' in listing.text
    ids = re.findall(r'data-log="([^"]+)"', listing.text)
    assert ids == [log["id"] for log in expected][: len(ids)] and ids
    assert "<td>Success</td>" in listing.text

    nothing = client.get("/console/logs", params={"logKey": key, "userId": "nobody"})
    assert "No logs match these filters." in nothing.text and "data-log=" not in nothing.text
    by_app = client.get("/console/logs", params={"applicationId": "no-such-app"})
    assert "No logs match these filters." in by_app.text
    everything = client.get("/console/logs")
    assert set(ids) <= set(re.findall(r'data-log="([^"]+)"', everything.text))

    detail = client.get(f"/console/logs/{ids[0]}")
    assert detail.status_code == 200 and 'data-testid="log-payload"' in detail.text and key in detail.text
    assert f'href="/console/applications/{srv.client_id}"' in detail.text
    assert client.get("/console/logs/no-such-log").status_code == 404
    assert client.get("/console/logs", params={"page": "x<script>"}).status_code == 200
