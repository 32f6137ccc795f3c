"""Shared pieces of the Account and Verification API tests: users, apps and the account center
through the Management API, user tokens from a real sign-in (tests/end_user.py), an SMTP connector."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.end_user import user_access_token
from tests.server import Server

ALL_FIELDS = {f: "Edit" for f in ("name", "avatar", "profile", "email", "phone", "password", "username", "social",
                                  "customData", "mfa")}  # fmt: skip
CODE_TYPES = ("Register", "SignIn", "ForgotPassword", "Generic", "UserPermissionValidation", "BindNewIdentifier", "BindMfa")
TEMPLATES = [
    {"usageType": t, "contentType": "text/plain", "subject": f"{t} code", "content": f"{t}: your code is {{{{code}}}}"}
    for t in CODE_TYPES
]
PASSWORD = "Correct-Horse-42!"


def management(srv: Server) -> httpx.Client:
    return httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30)


def account_center(api: httpx.Client, enabled: bool = True, fields: dict[str, str] | None = None) -> None:
    r = api.patch("/api/account-center", json={"enabled": enabled, "fields": ALL_FIELDS if fields is None else fields})
    assert r.status_code == 200, r.text


def new_app(api: httpx.Client, third_party: bool = False) -> str:
    body: dict[str, Any] = {"name": f"app-{secrets.token_hex(3)}", "type": "Traditional", "isThirdParty": third_party,
                            "oidcClientMetadata": {"redirectUris": ["http://127.0.0.1:9/cb"], "postLogoutRedirectUris": []}}  # fmt: skip
    r = api.post("/api/applications", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def new_user(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {"username": f"u_{secrets.token_hex(5)}", "password": PASSWORD, **extra}
    r = api.post("/api/users", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def user_client(srv: Server, user_id: str, app_id: str, scopes: str = "openid profile", password: str = PASSWORD) -> httpx.Client:
    token = user_access_token(srv, user_id, app_id, scopes, password=password)
    return httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def password_record(client: httpx.Client, password: str = PASSWORD) -> str:
    r = client.post("/api/verifications/password", json={"password": password})
    assert r.status_code == 201, r.text
    return str(r.json()["verificationRecordId"])


def verified(record_id: str) -> dict[str, str]:
    return {"logto-verification-id": record_id}


def smtp_connector(api: httpx.Client, port: int) -> None:
    for c in api.get("/api/connectors").json():
        api.delete(f"/api/connectors/{c['id']}")
    config = {"host": "127.0.0.1", "port": port, "auth": {}, "fromEmail": "auth@example.com", "templates": TEMPLATES}
    r = api.post("/api/connectors", json={"connectorId": "simple-mail-transfer-protocol", "config": config})
    assert r.status_code == 200, r.text
