"""Organization invitations: the full lifecycle with the SMTP sender delivering to a local SMTP
sink, the per-recipient send cap, the log sender, and Logto's errors without a sender."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from authkeep.mail import LogSender, SmtpSender, sender_from_env
from tests.conftest import fresh_server, unique
from tests.server import Server, free_port
from tests.test_organization_helpers import (
    INVITATION_KEYS,
    error,
    ids_of,
    new_org,
    new_role,
    new_user,
    ok,
)

FAR = 4_102_444_800_000  # 2100-01-01


@dataclass
class Sink:
    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default)  # type: ignore[misc]
            for e in self.messages
            if address in e.rcpt_tos
        ]


@dataclass
class MailServer:
    server: Server
    sink: Sink

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.base_url, headers={"Authorization": f"Bearer {self.server.token()}"}, timeout=30
        )


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def smtp(request: pytest.FixtureRequest) -> Iterator[MailServer]:
    """A dedicated authkeep whose SMTP sender delivers to an aiosmtpd sink started here."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"AUTHKEEP_SMTP_HOST": "127.0.0.1", "AUTHKEEP_SMTP_PORT": str(port), "AUTHKEEP_SMTP_FROM": "noreply@authkeep.test"}
    try:
        with fresh_server(request.param, env) as srv:
            yield MailServer(srv, sink)
    finally:
        controller.stop()


def _invite(api: httpx.Client, org_id: str, invitee: str, **fields: Any) -> httpx.Response:
    return api.post(
        "/api/organization-invitations",
        json={"organizationId": org_id, "invitee": invitee, "expiresAt": FAR, **fields},
    )


def _wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_full_lifecycle_over_smtp(smtp: MailServer) -> None:
    with smtp.client() as api:
        org = new_org(api, name="Acme Corp")
        inviter = new_user(api, name="Ada Admin")
        admin, member = new_role(api, name=unique("admin")), new_role(api, name=unique("member"))
        invitee = f"{unique('bob')}@Example.com"
        created = ok(_invite(api, org["id"], invitee, inviterId=inviter["id"],
                             organizationRoleIds=[member["id"], admin["id"]],
                             messagePayload={"link": "https://app.example/invite?x=1", "code": "123456", "locale": "en"}), 201)  # fmt: skip
        assert list(created) == INVITATION_KEYS
        assert created["status"] == "Pending" and created["acceptedUserId"] is None
        assert created["inviterId"] == inviter["id"] and created["invitee"] == invitee
        assert created["organizationRoles"] == sorted(
            [{"id": admin["id"], "name": admin["name"]}, {"id": member["id"], "name": member["name"]}],
            key=lambda r: r["name"],
        )
        _wait_for(lambda: smtp.sink.to(invitee))
        mail = smtp.sink.to(invitee)[0]
        assert mail["From"] == "noreply@authkeep.test" and mail["To"] == invitee
        assert mail["Subject"] == "You are invited to join Acme Corp"
        text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert "Ada Admin invited you to join Acme Corp." in text
        assert "https://app.example/invite?x=1" in text and "123456" in text

        assert ok(api.get(f"/api/organization-invitations/{created['id']}")) == created
        assert ids_of(ok(api.get("/api/organization-invitations", params={"organizationId": org["id"]}))) == [created["id"]]
        error(_invite(api, org["id"], invitee), 422, "entity.unique_integrity_violation")  # one pending per invitee

        # resend
        assert api.post(f"/api/organization-invitations/{created['id']}/message", json={"link": "https://again.example"}).status_code == 204
        _wait_for(lambda: len(smtp.sink.to(invitee)) == 2)
        assert "https://again.example" in smtp.sink.to(invitee)[1].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]

        # accept: the user must exist and own the invitee address (case-insensitively)
        status_url = f"/api/organization-invitations/{created['id']}/status"
        body = error(api.put(status_url, json={"status": "Accepted"}), 422, "request.invalid_input")
        assert body["message"] == "Input is invalid. The `acceptedUserId` is required when accepting an invitation."
        error(api.put(status_url, json={"status": "Accepted", "acceptedUserId": "nope"}), 404, "entity.not_found")
        stranger = new_user(api)
        body = error(api.put(status_url, json={"status": "Accepted", "acceptedUserId": stranger["id"]}), 422, "request.invalid_input")
        assert body["message"] == "Input is invalid. The accepted user must have the same email as the invitee."
        error(api.put(status_url, json={"status": "Pending"}), 400, "guard.invalid_input")
        bob = new_user(api, email=invitee.lower())
        accepted = ok(api.put(status_url, json={"status": "Accepted", "acceptedUserId": bob["id"]}))
        assert accepted["status"] == "Accepted" and accepted["acceptedUserId"] == bob["id"]
        assert accepted["updatedAt"] >= created["updatedAt"]
        assert ok(api.get(f"/api/organization-invitations/{created['id']}")) == accepted
        members = ok(api.get(f"/api/organizations/{org['id']}/users"))
        assert ids_of(members) == [bob["id"]]
        assert sorted(ids_of(members[0]["organizationRoles"])) == sorted([admin["id"], member["id"]])
        body = error(api.put(status_url, json={"status": "Revoked"}), 422, "request.invalid_input")
        assert body["message"] == "Input is invalid. The status of the invitation cannot be changed anymore."

        # the invitee is now a member: a new invitation is refused
        body = error(_invite(api, org["id"], invitee.lower()), 422, "request.invalid_input")
        assert body["message"] == "Input is invalid. The invitee is already a member of the organization."

        # revoke
        other = ok(_invite(api, org["id"], f"{unique('carol')}@example.com"), 201)
        revoked = ok(api.put(f"/api/organization-invitations/{other['id']}/status", json={"status": "Revoked", "acceptedUserId": bob["id"]}))
        assert revoked["status"] == "Revoked" and revoked["acceptedUserId"] is None
        error(api.put(f"/api/organization-invitations/{other['id']}/status", json={"status": "Revoked"}), 422, "request.invalid_input")

        # delete
        assert api.delete(f"/api/organization-invitations/{other['id']}").status_code == 204
        error(api.delete(f"/api/organization-invitations/{other['id']}"), 404, "entity.not_found")
        error(api.get(f"/api/organization-invitations/{other['id']}"), 404, "entity.not_found")
        error(api.post(f"/api/organization-invitations/{other['id']}/message", json={}), 404, "entity.not_found")
        error(api.put(f"/api/organization-invitations/{other['id']}/status", json={"status": "Revoked"}), 404, "entity.not_found")


def test_expiry(smtp: MailServer) -> None:
    with smtp.client() as api:
        org = new_org(api)
        invitee = f"{unique('late')}@example.com"
        soon = ok(_invite(api, org["id"], invitee, expiresAt=int(time.time() * 1000) + 1500), 201)
        assert soon["status"] == "Pending"
        assert ok(api.get(f"/api/organization-invitations/{soon['id']}"))["status"] == "Pending"
        time.sleep(2)
        assert ok(api.get(f"/api/organization-invitations/{soon['id']}"))["status"] == "Expired"
        user = new_user(api, email=invitee)
        body = error(api.put(f"/api/organization-invitations/{soon['id']}/status",
                             json={"status": "Accepted", "acceptedUserId": user["id"]}), 422, "request.invalid_input")  # fmt: skip
        assert "cannot be changed anymore" in body["message"]
        again = ok(_invite(api, org["id"], invitee), 201)  # the expired one no longer blocks
        statuses = {i["id"]: i["status"] for i in ok(api.get("/api/organization-invitations", params={"invitee": invitee.upper()}))}
        assert statuses == {soon["id"]: "Expired", again["id"]: "Pending"}
        body = error(_invite(api, org["id"], f"{unique('x')}@example.com", expiresAt=int(time.time() * 1000) - 1), 400,
                     "request.invalid_input")  # fmt: skip
        assert body["message"] == "Input is invalid. The value of `expiresAt` must be in the future."


def test_message_rate_limit(smtp: MailServer) -> None:
    with smtp.client() as api:
        org = new_org(api)
        invitee = f"{unique('spam')}@example.com"
        inv = ok(_invite(api, org["id"], invitee, messagePayload={"link": "https://x.example"}), 201)
        url = f"/api/organization-invitations/{inv['id']}/message"
        for _ in range(9):
            assert api.post(url, json={}).status_code == 204
        body = error(api.post(url, json={}), 429, "request.message_rate_limited")
        assert body["message"] == "Too many messages sent to this recipient. Please try again later."
        _wait_for(lambda: len(smtp.sink.to(invitee)) == 10)
        # the cap is per recipient, whatever the casing
        other = ok(_invite(api, new_org(api)["id"], invitee.upper()), 201)
        error(api.post(f"/api/organization-invitations/{other['id']}/message", json={}), 429, "request.message_rate_limited")


def test_validation_and_filters(api: httpx.Client) -> None:
    org, other_org = new_org(api), new_org(api)
    inviter = new_user(api)
    role = new_role(api)
    error(_invite(api, org["id"], "not-an-email"), 400, "guard.invalid_input")
    error(_invite(api, org["id"], "a@b"), 400, "guard.invalid_input")
    error(api.post("/api/organization-invitations", json={"organizationId": org["id"], "invitee": "a@example.com"}), 400, "guard.invalid_input")
    error(_invite(api, org["id"], "a@example.com", messagePayload=True), 400, "guard.invalid_input")
    error(_invite(api, org["id"], "a@example.com", expiresAt="tomorrow"), 400, "guard.invalid_input")
    error(_invite(api, "nope", "a@example.com"), 422, "entity.relation_foreign_key_not_found")
    error(_invite(api, org["id"], "a@example.com", inviterId="nope"), 422, "entity.relation_foreign_key_not_found")
    error(_invite(api, org["id"], "a@example.com", organizationRoleIds=["nope"]), 422, "entity.relation_foreign_key_not_found")
    assert ok(api.get("/api/organization-invitations", params={"organizationId": org["id"]})) == []

    first = ok(_invite(api, org["id"], f"{unique('a')}@example.com", inviterId=inviter["id"], organizationRoleIds=[role["id"]]), 201)
    second = ok(_invite(api, org["id"], f"{unique('b')}@example.com", messagePayload=False), 201)
    third = ok(_invite(api, other_org["id"], first["invitee"]), 201)
    listed = ok(api.get("/api/organization-invitations", params={"organizationId": org["id"]}))
    assert ids_of(listed) == [second["id"], first["id"]]  # newest first
    assert "total-number" not in api.get("/api/organization-invitations").headers  # not paginated
    assert ids_of(ok(api.get("/api/organization-invitations", params={"inviterId": inviter["id"]}))) == [first["id"]]
    by_invitee = ok(api.get("/api/organization-invitations", params={"invitee": first["invitee"].upper()}))
    assert sorted(ids_of(by_invitee)) == sorted([first["id"], third["id"]])

    # without a sender: Logto's "no email connector", and nothing is left behind
    invitee = f"{unique('nomail')}@example.com"
    body = error(_invite(api, org["id"], invitee, messagePayload={"link": "https://x.example"}), 501, "connector.not_found")
    assert body["message"] == "Cannot find any available connector for type: Email."
    assert ok(api.get("/api/organization-invitations", params={"invitee": invitee})) == []
    error(api.post(f"/api/organization-invitations/{first['id']}/message", json={"link": "x"}), 501, "connector.not_found")
    error(api.post(f"/api/organization-invitations/{first['id']}/message", json={"link": 1}), 400, "guard.invalid_input")

    # deleting the inviter deletes the invitation (Logto's FK cascade); deleting a role unlinks it
    assert api.delete(f"/api/organization-roles/{role['id']}").status_code == 204
    assert ok(api.get(f"/api/organization-invitations/{first['id']}"))["organizationRoles"] == []
    assert api.delete(f"/api/users/{inviter['id']}").status_code == 204
    error(api.get(f"/api/organization-invitations/{first['id']}"), 404, "entity.not_found")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_smtp_failure_and_log_sender(backend: str) -> None:
    closed = free_port()  # nothing listens here
    with fresh_server(backend, {"AUTHKEEP_SMTP_HOST": "127.0.0.1", "AUTHKEEP_SMTP_PORT": str(closed)}) as srv:
        api = httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"})
        org = new_org(api)
        invitee = f"{unique('lost')}@example.com"
        body = error(_invite(api, org["id"], invitee, messagePayload={}), 400, "connector.general")
        assert body["message"] == "Error occurred in connector: the SMTP server is unreachable"
        assert ok(api.get("/api/organization-invitations", params={"invitee": invitee})) == []
        inv = ok(_invite(api, org["id"], invitee), 201)
        error(api.post(f"/api/organization-invitations/{inv['id']}/message", json={}), 400, "connector.general")
        api.close()
    with fresh_server(backend, {"AUTHKEEP_EMAIL_SENDER": "log"}) as srv:
        api = httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"})
        org = new_org(api, name="Logged Org")
        invitee = f"{unique('dev')}@example.com"
        ok(_invite(api, org["id"], invitee, messagePayload={"link": "https://dev.example/accept"}), 201)
        api.close()
        assert srv.log_path is not None
        log = srv.log_path.read_text()
        assert f"e-mail to {invitee}: You are invited to join Logged Org" in log
        assert "https://dev.example/accept" in log


def test_sender_configuration() -> None:
    assert sender_from_env({}) is None
    assert sender_from_env({"AUTHKEEP_EMAIL_SENDER": "none", "AUTHKEEP_SMTP_HOST": "h"}) is None
    assert isinstance(sender_from_env({"AUTHKEEP_EMAIL_SENDER": "log"}), LogSender)
    smtp = sender_from_env({"AUTHKEEP_SMTP_HOST": "mail.example", "AUTHKEEP_SMTP_STARTTLS": "true",
                            "AUTHKEEP_SMTP_USERNAME": "u", "AUTHKEEP_SMTP_PASSWORD": "p"})  # fmt: skip
    assert isinstance(smtp, SmtpSender)
    assert (smtp.port, smtp.starttls, smtp.sender, smtp.username) == (587, True, "authkeep@mail.example", "u")
    tls = sender_from_env({"AUTHKEEP_SMTP_HOST": "h", "AUTHKEEP_SMTP_SSL": "1", "AUTHKEEP_SMTP_FROM": "a@b.c"})
    assert isinstance(tls, SmtpSender) and (tls.port, tls.implicit_tls, tls.sender) == (465, True, "a@b.c")
    plain = sender_from_env({"AUTHKEEP_SMTP_HOST": "h", "AUTHKEEP_SMTP_PORT": "2525"})
    assert isinstance(plain, SmtpSender) and plain.port == 2525 and not plain.starttls
    with pytest.raises(ValueError):
        sender_from_env({"AUTHKEEP_SMTP_HOST": "h", "AUTHKEEP_SMTP_PORT": "x"})
