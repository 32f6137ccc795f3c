"""Organization invitation e-mails go through the tenant's e-mail connector (SMTP to an aiosmtpd
server started here) with the OrganizationInvitation template: the tenant's e-mail template, else
the connector config's, else its Generic one. Without a connector and without a configured
process-wide sender: Logto's 501. A configured process-wide sender is only the fallback."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import fresh_server, unique
from tests.connector_helpers import TEMPLATES, HttpReceiver, SmtpInbox, client
from tests.server import free_port
from tests.test_organization_helpers import error, new_org, new_user, ok

FAR = 4_102_444_800_000  # 2100-01-01
SMTP_ID = "simple-mail-transfer-protocol"
INVITE_TEMPLATE = {
    "usageType": "OrganizationInvitation",
    "contentType": "text/plain",
    "subject": "Join {{organization.name}}",
    "content": "{{inviter.name}} invites you: {{link}}",
}


def _smtp_config(port: int, templates: list[dict[str, Any]]) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "auth": {}, "fromEmail": "noreply@tenant.test", "templates": templates}


def _invite(api: httpx.Client, org_id: str, invitee: str, **fields: Any) -> httpx.Response:
    return api.post("/api/organization-invitations", json={"organizationId": org_id, "invitee": invitee, "expiresAt": FAR, **fields})


def _listed(api: httpx.Client, invitee: str) -> list[Any]:
    return list(ok(api.get("/api/organization-invitations", params={"invitee": invitee})))


def _plain(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_tenant_connector_delivers_invitations(backend: str) -> None:
    with fresh_server(backend) as srv, SmtpInbox() as inbox, client(srv) as api:
        org = new_org(api, name="Acme Corp")
        inviter = new_user(api, name="Ada Admin")
        invitee = f"{unique('bob')}@example.com"

        # No e-mail connector and no process-wide sender: 501 and nothing is left behind.
        body = error(_invite(api, org["id"], invitee, messagePayload={"link": "https://x.example"}), 501, "connector.not_found")
        assert body["message"] == "Cannot find any available connector for type: Email."
        assert _listed(api, invitee) == []
        silent = ok(_invite(api, org["id"], invitee, inviterId=inviter["id"]), 201)
        error(api.post(f"/api/organization-invitations/{silent['id']}/message", json={}), 501, "connector.not_found")

        # A connector whose config has no OrganizationInvitation template: its Generic one.
        made = ok(api.post("/api/connectors", json={"connectorId": SMTP_ID, "config": _smtp_config(inbox.port, TEMPLATES)}))
        ok(api.post(f"/api/organization-invitations/{silent['id']}/message", json={"code": "424242"}), 204)
        assert len(inbox.messages) == 1
        generic = inbox.messages[0]
        assert generic["To"] == invitee and generic["From"] == "noreply@tenant.test"
        assert generic["Subject"] == "Generic code" and _plain(generic).strip() == "Generic: your code is 424242"

        # The config's OrganizationInvitation template, filled with the payload and the context.
        config = _smtp_config(inbox.port, [*TEMPLATES, INVITE_TEMPLATE])
        ok(api.patch(f"/api/connectors/{made['id']}", json={"config": config}))
        other = f"{unique('eve')}@example.com"
        created = ok(_invite(api, org["id"], other, inviterId=inviter["id"], messagePayload={"link": "https://app.example/a"}), 201)
        assert created["status"] == "Pending"
        sent = inbox.messages[-1]
        assert sent["To"] == other and sent["Subject"] == "Join Acme Corp"
        assert _plain(sent).strip() == "Ada Admin invites you: https://app.example/a"

        # The tenant's e-mail template for the payload's locale comes before the config's.
        details = {"subject": "Rejoignez {{organization.name}}", "content": "Lien : {{link}}", "contentType": "text/plain"}
        ok(api.put("/api/email-templates", json={"templates": [{"languageTag": "fr", "templateType": "OrganizationInvitation", "details": details}]}))
        ok(api.post(f"/api/organization-invitations/{created['id']}/message", json={"link": "https://app.example/fr", "locale": "fr"}), 204)
        assert inbox.messages[-1]["Subject"] == "Rejoignez Acme Corp"
        assert _plain(inbox.messages[-1]).strip() == "Lien : https://app.example/fr"
        ok(api.post(f"/api/organization-invitations/{created['id']}/message", json={"link": "https://app.example/en", "locale": "en"}), 204)
        assert inbox.messages[-1]["Subject"] == "Join Acme Corp"

        # A failed delivery through the connector takes the new invitation back.
        ok(api.patch(f"/api/connectors/{made['id']}", json={"config": _smtp_config(free_port(), [*TEMPLATES, INVITE_TEMPLATE])}))
        lost = f"{unique('lost')}@example.com"
        error(_invite(api, org["id"], lost, messagePayload={"link": "https://x.example"}), 400, "connector.general")
        assert _listed(api, lost) == []
        error(api.post(f"/api/organization-invitations/{created['id']}/message", json={}), 400, "connector.general")
        assert ok(api.get(f"/api/organization-invitations/{created['id']}"))["status"] == "Pending"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_connector_comes_before_the_process_sender(backend: str) -> None:
    with fresh_server(backend, {"AUTHKEEP_EMAIL_SENDER": "log"}) as srv, SmtpInbox() as inbox, client(srv) as api:
        org = new_org(api, name="Logged Org")
        by_log = f"{unique('dev')}@example.com"
        ok(_invite(api, org["id"], by_log, messagePayload={"link": "https://dev.example/log"}), 201)
        ok(api.post("/api/connectors", json={"connectorId": SMTP_ID, "config": _smtp_config(inbox.port, [*TEMPLATES, INVITE_TEMPLATE])}))
        by_connector = f"{unique('smtp')}@example.com"
        ok(_invite(api, org["id"], by_connector, messagePayload={"link": "https://dev.example/smtp"}), 201)
        assert [m["To"] for m in inbox.messages] == [by_connector]
        # no inviter: the unknown root stays as written (Logto's replaceSendMessageHandlebars)
        assert _plain(inbox.messages[0]).strip() == "{{inviter.name}} invites you: https://dev.example/smtp"
        assert srv.log_path is not None
        log = srv.log_path.read_text()
        assert f"e-mail to {by_log}:" in log and "https://dev.example/log" in log
        assert by_connector not in log and "https://dev.example/smtp" not in log

        # An HTTP e-mail connector (replacing the SMTP one) gets the type and the whole payload.
        with HttpReceiver() as receiver:
            ok(api.post("/api/connectors", json={"connectorId": "http-email", "config": {"endpoint": receiver.url}}))
            inviter = new_user(api, name="Ivy Inviter")
            by_http = f"{unique('http')}@example.com"
            ok(_invite(api, org["id"], by_http, inviterId=inviter["id"], messagePayload={"link": "https://dev.example/http", "locale": "de"}), 201)
            sent = receiver.requests[-1]["json"]
            assert (sent["to"], sent["type"]) == (by_http, "OrganizationInvitation")
            assert sent["payload"]["link"] == "https://dev.example/http" and sent["payload"]["locale"] == "de"
            assert sent["payload"]["organization"] == {"id": org["id"], "name": "Logged Org", "branding": {}}
            assert sent["payload"]["inviter"]["id"] == inviter["id"] and sent["payload"]["inviter"]["name"] == "Ivy Inviter"
        assert len(inbox.messages) == 1 and by_http not in srv.log_path.read_text()
