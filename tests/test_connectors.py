"""Connectors and connector factories: CRUD, config validation against each factory, Logto's
errors, one e-mail/SMS connector at a time, secrets sealed at rest, config testing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.connector_helpers import TEMPLATES, HttpReceiver, client, dev_record, dev_server, run_sql
from tests.server import Server

SHIPPED = {
    "simple-mail-transfer-protocol",
    "http-email",
    "http-sms",
    "oidc",
    "oauth2",
    "mock-email-service",
    "mock-short-message-service",
}
OIDC_CONFIG = {
    "authorizationEndpoint": "https://idp.example.com/authorize",
    "tokenEndpoint": "https://idp.example.com/token",
    "clientId": "client",
    "clientSecret": "very-secret-value",
    "scope": "openid profile",
    "idTokenVerificationConfig": {"jwksUri": "https://idp.example.com/jwks"},
}
OAUTH2_CONFIG = {
    "authorizationEndpoint": "https://oauth.example.com/authorize",
    "tokenEndpoint": "https://oauth.example.com/token",
    "userInfoEndpoint": "https://oauth.example.com/userinfo",
    "clientId": "client",
    "clientSecret": "another-secret",
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def dev(request: pytest.FixtureRequest) -> Iterator[tuple[Server, Any]]:
    with dev_server(request.param) as pair:
        yield pair


@pytest.fixture
def api(dev: tuple[Server, Any]) -> Iterator[httpx.Client]:
    with client(dev[0]) as c:
        yield c


def _cleanup(api: httpx.Client) -> None:
    for c in api.get("/api/connectors").json():
        assert api.delete(f"/api/connectors/{c['id']}").status_code == 204


def test_factories_list_exactly_what_ships(api: httpx.Client) -> None:
    r = api.get("/api/connector-factories")
    assert r.status_code == 200
    factories = {f["id"]: f for f in r.json()}
    assert set(factories) == SHIPPED
    assert factories["http-sms"]["type"] == "Sms"
    assert factories["oidc"]["type"] == "Social" and factories["oidc"]["isStandard"] is True
    assert {i["key"] for i in factories["http-email"]["formItems"]} == {"endpoint", "authorization"}
    one = api.get("/api/connector-factories/oidc")
    assert one.status_code == 200 and one.json()["target"] == "oidc"
    missing = api.get("/api/connector-factories/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "entity.not_found"


def test_create_get_patch_delete_social(api: httpx.Client) -> None:
    _cleanup(api)
    r = api.post("/api/connectors", json={"connectorId": "oidc", "config": OIDC_CONFIG, "metadata": {"target": "my-idp"}, "id": "my-oidc"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == "my-oidc" and body["connectorId"] == "oidc" and body["type"] == "Social"
    assert body["target"] == "my-idp" and body["metadata"] == {"target": "my-idp"}
    assert body["config"] == OIDC_CONFIG and body["syncProfile"] is False
    assert api.get("/api/connectors/my-oidc").json()["config"]["clientSecret"] == "very-secret-value"
    assert [c["id"] for c in api.get("/api/connectors", params={"target": "my-idp"}).json()] == ["my-oidc"]
    assert api.get("/api/connectors", params={"target": "other"}).json() == []

    patched = api.patch("/api/connectors/my-oidc", json={"syncProfile": True, "config": {**OIDC_CONFIG, "clientId": "c2"}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["syncProfile"] is True and patched.json()["config"]["clientId"] == "c2"
    renamed = api.patch("/api/connectors/my-oidc", json={"metadata": {"target": "elsewhere"}})
    assert renamed.status_code == 400 and renamed.json()["code"] == "connector.can_not_modify_target"

    assert api.delete("/api/connectors/my-oidc").status_code == 204
    gone = api.get("/api/connectors/my-oidc")
    assert gone.status_code == 404 and gone.json()["code"] == "entity.not_found"
    again = api.delete("/api/connectors/my-oidc")
    assert again.status_code == 404 and again.json()["code"] == "entity.not_exists_with_id"
    assert api.patch("/api/connectors/my-oidc", json={}).status_code == 404


def test_secrets_are_sealed_at_rest(dev: tuple[Server, Any], api: httpx.Client) -> None:
    _cleanup(api)
    r = api.post("/api/connectors", json={"connectorId": "oauth2", "config": OAUTH2_CONFIG, "metadata": {"target": "oa"}, "id": "sealed-one"})
    assert r.status_code == 200, r.text
    srv = dev[0]
    # Copy the stored row into a table we can read back through the same helper, then look for the secret.
    run_sql(srv, "CREATE TABLE IF NOT EXISTS probe_copy AS SELECT * FROM connectors WHERE 1 = 0")
    run_sql(srv, "INSERT INTO probe_copy SELECT * FROM connectors WHERE id = 'sealed-one'")
    stored = _read_row(srv)
    assert "another-secret" not in stored
    assert "oauth.example.com" in stored  # the public part is stored as is
    run_sql(srv, "DROP TABLE probe_copy")
    assert api.get("/api/connectors/sealed-one").json()["config"]["clientSecret"] == "another-secret"


def _read_row(srv: Server) -> str:
    if srv.backend == "sqlite":
        import sqlite3

        with sqlite3.connect(srv.database_url.removeprefix("sqlite:///")) as conn:
            return repr(conn.execute("SELECT * FROM probe_copy").fetchall())
    import asyncio

    import asyncpg

    async def go() -> str:
        conn = await asyncpg.connect(srv.database_url)
        try:
            return repr(await conn.fetch("SELECT * FROM probe_copy"))
        finally:
            await conn.close()

    return asyncio.run(go())


def test_unknown_factory_and_invalid_config(api: httpx.Client) -> None:
    r = api.post("/api/connectors", json={"connectorId": "no-such-factory"})
    assert r.status_code == 422 and r.json()["code"] == "connector.not_found_with_connector_id"
    bad = api.post("/api/connectors", json={"connectorId": "http-sms", "config": {"endpoint": 42}})
    assert bad.status_code == 400 and bad.json()["code"] == "connector.invalid_config"
    assert bad.json()["data"]["issues"][0]["path"] == ["endpoint"]
    no_url = api.post("/api/connectors", json={"connectorId": "http-sms", "config": {}})
    assert no_url.status_code == 400 and no_url.json()["code"] == "connector.invalid_config"
    # SMTP needs a template for each of Register, SignIn, ForgotPassword and Generic.
    smtp = {"host": "127.0.0.1", "port": 25, "auth": {}, "fromEmail": "a@b.co", "templates": TEMPLATES[:1]}
    missing = api.post("/api/connectors", json={"connectorId": "simple-mail-transfer-protocol", "config": smtp})
    assert missing.status_code == 400 and missing.json()["code"] == "connector.invalid_config"
    assert "SignIn, ForgotPassword, Generic" in missing.json()["data"]["issues"][0]["message"]
    oidc = api.post("/api/connectors", json={"connectorId": "oidc", "config": {**OIDC_CONFIG, "idTokenVerificationConfig": {}}, "metadata": {"target": "x"}})
    assert oidc.status_code == 400 and oidc.json()["code"] == "connector.invalid_config"
    no_target = api.post("/api/connectors", json={"connectorId": "oidc", "config": OIDC_CONFIG})
    assert no_target.status_code == 400 and no_target.json()["code"] == "connector.should_specify_target"
    typed = api.post("/api/connectors", json={"connectorId": "http-sms", "config": "nope"})
    assert typed.status_code == 400 and typed.json()["code"] == "guard.invalid_input"
    assert api.post("/api/connectors", json={}).json()["code"] == "guard.invalid_input"


def test_social_duplicates_and_patch_rules(api: httpx.Client) -> None:
    _cleanup(api)
    first = api.post("/api/connectors", json={"connectorId": "oidc", "config": OIDC_CONFIG, "metadata": {"target": "same"}})
    assert first.status_code == 200
    dup = api.post("/api/connectors", json={"connectorId": "oauth2", "config": OAUTH2_CONFIG, "metadata": {"target": "same"}})
    assert dup.status_code == 422 and dup.json()["code"] == "connector.multiple_target_with_same_platform"
    same_id = api.post("/api/connectors", json={"connectorId": "oauth2", "config": OAUTH2_CONFIG, "metadata": {"target": "t2"}, "id": first.json()["id"]})
    assert same_id.status_code == 422
    sms = api.post("/api/connectors", json={"connectorId": "mock-short-message-service", "config": {}})
    sync = api.patch(f"/api/connectors/{sms.json()['id']}", json={"syncProfile": True})
    assert sync.status_code == 422 and sync.json()["code"] == "connector.invalid_type_for_syncing_profile"
    meta = api.patch(f"/api/connectors/{sms.json()['id']}", json={"metadata": {"logo": "x"}})
    assert meta.status_code == 400 and meta.json()["code"] == "connector.cannot_overwrite_metadata_for_non_standard_connector"
    storage = api.patch(f"/api/connectors/{first.json()['id']}", json={"enableTokenStorage": True})
    assert storage.status_code == 422 and storage.json()["code"] == "request.feature_not_supported"
    _cleanup(api)


def test_one_email_and_one_sms_connector(api: httpx.Client) -> None:
    _cleanup(api)
    a = api.post("/api/connectors", json={"connectorId": "mock-email-service", "config": {}}).json()
    b = api.post("/api/connectors", json={"connectorId": "http-email", "config": {"endpoint": "https://mail.example.com/send"}}).json()
    s = api.post("/api/connectors", json={"connectorId": "http-sms", "config": {"endpoint": "https://sms.example.com/send"}}).json()
    ids = {c["id"] for c in api.get("/api/connectors").json()}
    assert ids == {b["id"], s["id"]}  # the second e-mail connector replaced the first
    assert a["id"] not in ids
    _cleanup(api)


def test_config_testing_sends_through_an_unsaved_config(dev: tuple[Server, Any], api: httpx.Client) -> None:
    _cleanup(api)
    r = api.post("/api/connectors/mock-email-service/test", json={"email": "tester@example.com", "config": {"templates": TEMPLATES}})
    assert r.status_code == 204, r.text
    record = dev_record(dev[1])
    assert record["address"] == "tester@example.com" and record["code"] == "000000"
    assert record["content"] == "Generic: your code is 000000"
    with HttpReceiver() as receiver:
        sms = api.post("/api/connectors/http-sms/test", json={"phone": "15551234567", "config": {"endpoint": receiver.url, "authorization": "Bearer t"}})
        assert sms.status_code == 204, sms.text
        assert receiver.requests[-1]["json"] == {"to": "15551234567", "type": "Generic", "payload": {"code": "000000"}, "ip": "127.0.0.1"}
        assert receiver.requests[-1]["authorization"] == "Bearer t"
    assert api.get("/api/connectors").json() == []  # nothing saved

    wrong_kind = api.post("/api/connectors/http-sms/test", json={"email": "a@b.co", "config": {}})
    assert wrong_kind.status_code == 400 and wrong_kind.json()["code"] == "connector.unexpected_type"
    unknown = api.post("/api/connectors/nope/test", json={"email": "a@b.co", "config": {}})
    assert unknown.status_code == 400 and unknown.json()["code"] == "connector.not_found"
    social = api.post("/api/connectors/oidc/test", json={"email": "a@b.co", "config": {}})
    assert social.status_code == 400 and social.json()["code"] == "connector.not_found"
    neither = api.post("/api/connectors/http-sms/test", json={"config": {}})
    assert neither.status_code == 400 and neither.json()["code"] == "guard.invalid_input"
    bad_phone = api.post("/api/connectors/http-sms/test", json={"phone": "+1 555", "config": {}})
    assert bad_phone.status_code == 400 and bad_phone.json()["code"] == "guard.invalid_input"
    bad_config = api.post("/api/connectors/http-sms/test", json={"phone": "1555", "config": {"endpoint": "not a url"}})
    assert bad_config.status_code == 400 and bad_config.json()["code"] == "connector.invalid_config"
    with HttpReceiver(status=500) as refusing:
        failed = api.post("/api/connectors/http-email/test", json={"email": "a@b.co", "config": {"endpoint": refusing.url}})
    assert failed.status_code == 400 and failed.json()["code"] == "connector.general"
    assert "receiver says no" in failed.json()["message"]


def test_authorization_uri(api: httpx.Client) -> None:
    _cleanup(api)
    social = api.post("/api/connectors", json={"connectorId": "oauth2", "config": OAUTH2_CONFIG, "metadata": {"target": "oa"}}).json()
    email = api.post("/api/connectors", json={"connectorId": "mock-email-service", "config": {}}).json()
    body = {"state": "s", "redirectUri": "https://app.example.com/cb"}
    r = api.post(f"/api/connectors/{social['id']}/authorization-uri", json=body)
    assert r.status_code == 501 and r.json()["code"] == "connector.not_implemented"  # as Logto for oauth2/oidc
    wrong = api.post(f"/api/connectors/{email['id']}/authorization-uri", json=body)
    assert wrong.status_code == 400 and wrong.json()["code"] == "connector.unexpected_type"
    missing = api.post("/api/connectors/nope/authorization-uri", json=body)
    assert missing.status_code == 404
    empty = api.post(f"/api/connectors/{social['id']}/authorization-uri", json={"state": "", "redirectUri": ""})
    assert empty.status_code == 400 and empty.json()["code"] == "session.insufficient_info"
    assert api.post(f"/api/connectors/{social['id']}/authorization-uri", json={}).status_code == 400
    _cleanup(api)


def test_delete_keeps_the_sign_in_experience_consistent(api: httpx.Client) -> None:
    _cleanup(api)
    social = api.post("/api/connectors", json={"connectorId": "oidc", "config": OIDC_CONFIG, "metadata": {"target": "gone-idp"}}).json()
    r = api.patch("/api/sign-in-exp", json={"socialSignInConnectorTargets": ["gone-idp"]})
    assert r.status_code == 200 and r.json()["socialSignInConnectorTargets"] == ["gone-idp"]
    assert api.delete(f"/api/connectors/{social['id']}").status_code == 204
    assert api.get("/api/sign-in-exp").json()["socialSignInConnectorTargets"] == []

    email = api.post("/api/connectors", json={"connectorId": "mock-email-service", "config": {}}).json()
    policy = {"forgotPasswordMethods": ["EmailVerificationCode"], "passwordExpiration": {"enabled": True, "validPeriodDays": 90}}
    assert api.patch("/api/sign-in-exp", json=policy).status_code == 200
    try:
        refused = api.delete(f"/api/connectors/{email['id']}")
        assert refused.status_code == 422
        assert refused.json()["code"] == "sign_in_experiences.password_expiration_requires_forgot_password"
        assert api.get(f"/api/connectors/{email['id']}").status_code == 200
    finally:
        api.patch("/api/sign-in-exp", json={"passwordExpiration": {"enabled": False}})
    assert api.delete(f"/api/connectors/{email['id']}").status_code == 204
