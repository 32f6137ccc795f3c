"""The console's connectors page: list factories, add a connector from its form, configure it,
send a test message (seen by a local HTTP receiver), delete it."""

from __future__ import annotations

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


def test_add_configure_test_and_delete(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    listing = client.get("/console/connectors")
    assert listing.status_code == 200 and "No connectors yet" in listing.text
    assert 'data-factory="http-sms"' in listing.text and 'data-factory="simple-mail-transfer-protocol"' in listing.text
    form = client.get("/console/connectors/new", params={"factory": "http-sms"})
    assert 'name="cfg_endpoint"' in form.text and 'name="cfg_authorization"' in form.text

    with HttpReceiver() as receiver:
        made = client.post("/console/connectors", data={"csrf": token, "factory": "http-sms", "cfg_endpoint": receiver.url})
        assert made.status_code == 200 and "Connector added." in flash_of(made.text)
        connector_id = made.url.path.split("/")[-1]
        assert api.get(f"/api/connectors/{connector_id}").json()["config"] == {"endpoint": receiver.url}

        here = f"/console/connectors/{connector_id}"
        saved = client.post(here, data={"csrf": token, "cfg_endpoint": receiver.url, "cfg_authorization": "Bearer console"})
        assert "Changes saved." in flash_of(saved.text)
        assert api.get(f"/api/connectors/{connector_id}").json()["config"]["authorization"] == "Bearer console"

        sent = client.post(f"{here}/test", data={"csrf": token, "to": "15550009999", "back": here})
        assert "Test message sent to 15550009999." in flash_of(sent.text)
        assert receiver.requests[-1]["json"]["to"] == "15550009999"
        assert receiver.requests[-1]["authorization"] == "Bearer console"

    bad = client.post("/console/connectors", data={"csrf": token, "factory": "http-sms", "cfg_endpoint": "not a url"})
    assert bad.status_code == 400 and "config is invalid" in flash_of(bad.text)
    assert "Delete connector" in client.get(f"{here}/delete").text
    client.post(f"{here}/delete", data={"csrf": token})
    assert api.get(f"/api/connectors/{connector_id}").status_code == 404


def test_social_connector_form_asks_for_a_target(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    form = client.get("/console/connectors/new", params={"factory": "oidc"})
    assert 'name="target"' in form.text and 'name="cfg_idTokenVerificationConfig"' in form.text
    data = {
        "csrf": token,
        "factory": "oidc",
        "target": "corp-idp",
        "cfg_authorizationEndpoint": "https://idp.example.com/auth",
        "cfg_tokenEndpoint": "https://idp.example.com/token",
        "cfg_clientId": "cid",
        "cfg_clientSecret": "csecret",
        "cfg_tokenEndpointAuthMethod": "client_secret_basic",
        "cfg_scope": "openid email",
        "cfg_idTokenVerificationConfig": '{"jwksUri": "https://idp.example.com/jwks"}',
    }
    made = client.post("/console/connectors", data=data)
    assert made.status_code == 200, made.text
    connector = api.get(f"/api/connectors/{made.url.path.split('/')[-1]}").json()
    assert connector["target"] == "corp-idp" and connector["config"]["tokenEndpointAuthMethod"] == "client_secret_basic"
    broken = client.post("/console/connectors", data={**data, "target": "x2", "cfg_idTokenVerificationConfig": "{nope"})
    assert broken.status_code == 400 and "enter valid JSON" in flash_of(broken.text)
