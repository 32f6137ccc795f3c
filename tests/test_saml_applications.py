"""SAML applications over HTTP: the app and its config, signing certificates, IdP metadata, and
how SAML apps show in (and are refused by) the Applications API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography import x509
from defusedxml import ElementTree

from authkeep.sdk import LogtoError
from tests.conftest import unique
from tests.sdk_flavors import FLAVORS, call, close, make, run
from tests.server import Server
from tests.test_applications import error, new_app

POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
APP_KEYS = [
    "tenantId", "id", "name", "description", "type", "customData", "isThirdParty", "appLevelAccessControlEnabled",
    "createdAt", "attributeMapping", "entityId", "acsUrl", "encryption", "nameIdFormat",
]  # fmt: skip
SECRET_KEYS = ["id", "certificate", "createdAt", "expiresAt", "active", "fingerprints"]
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
YEAR_MS = 365 * 86_400_000


@pytest.fixture
def saml(api: httpx.Client) -> Iterator[list[str]]:
    """Ids of the SAML apps a test created, deleted afterwards (Logto OSS allows 3)."""
    made: list[str] = []
    yield made
    for app_id in made:
        api.delete(f"/api/saml-applications/{app_id}")


def create(api: httpx.Client, made: list[str], **body: Any) -> dict[str, Any]:
    res = api.post("/api/saml-applications", json={"name": unique("saml"), **body})
    assert res.status_code == 201, res.text
    made.append(res.json()["id"])
    return dict(res.json())


def test_create_get_update_delete(api: httpx.Client, server: Server, saml: list[str]) -> None:
    created = create(api, saml, description="d", customData={"k": 1})
    assert list(created) == APP_KEYS
    assert created["type"] == "SAML" and created["isThirdParty"] is False
    assert created["attributeMapping"] == {} and created["entityId"] is None and created["acsUrl"] is None
    assert created["encryption"] is None and created["nameIdFormat"] == PERSISTENT
    assert created["customData"] == {"k": 1}
    app_id = created["id"]
    assert api.get(f"/api/saml-applications/{app_id}").json() == created

    acs = {"binding": POST, "url": "https://sp.example.com/acs"}
    changed = api.patch(
        f"/api/saml-applications/{app_id}",
        json={"name": "renamed", "entityId": "https://sp.example.com", "acsUrl": acs, "nameIdFormat": EMAIL,
              "attributeMapping": {"sub": "uid", "email": "mail", "bogus": "x"}, "unknown": 1},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "renamed" and body["entityId"] == "https://sp.example.com" and body["acsUrl"] == acs
    assert body["attributeMapping"] == {"sub": "uid", "email": "mail"} and body["nameIdFormat"] == EMAIL
    assert api.get(f"/api/saml-applications/{app_id}").json() == body
    # The mapping is replaced, not merged; null clears the SP fields.
    body = api.patch(f"/api/saml-applications/{app_id}", json={"attributeMapping": {"name": "cn"}, "acsUrl": None}).json()
    assert body["attributeMapping"] == {"name": "cn"} and body["acsUrl"] is None and body["entityId"] == "https://sp.example.com"

    # The Applications API lists it with its OIDC metadata hidden, and refuses to change it.
    listed = api.get("/api/applications", params={"types": "SAML"}).json()
    mine = next(a for a in listed if a["id"] == app_id)
    assert mine["oidcClientMetadata"] == {"redirectUris": [], "postLogoutRedirectUris": []}
    assert all(a["type"] == "SAML" for a in listed)
    one = api.get(f"/api/applications/{app_id}").json()
    assert one["type"] == "SAML" and one["oidcClientMetadata"]["redirectUris"] == [] and "secret" not in one
    error(api.patch(f"/api/applications/{app_id}", json={"name": "x"}), 400, "application.saml.use_saml_app_api")
    error(api.delete(f"/api/applications/{app_id}"), 400, "application.saml.use_saml_app_api")
    error(api.post("/api/applications", json={"name": "x", "type": "SAML"}), 400, "application.saml.use_saml_app_api")

    assert api.delete(f"/api/saml-applications/{app_id}").status_code == 204
    error(api.get(f"/api/saml-applications/{app_id}"), 404, "entity.not_exists_with_id")
    error(api.delete(f"/api/saml-applications/{app_id}"), 404, "entity.not_exists_with_id")
    assert api.get(f"/api/saml-applications/{app_id}/secrets").json() == []


def test_create_with_config(api: httpx.Client, saml: list[str]) -> None:
    config = {
        "entityId": "https://example.logto.io",
        "acsUrl": {"binding": POST, "url": "https://example.logto.io/sso/saml"},
        "nameIdFormat": EMAIL,
        "encryption": {"encryptAssertion": True, "certificate": "-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----\n", "encryptThenSign": False},
    }  # fmt: skip
    created = create(api, saml, **config)
    assert {k: created[k] for k in config} == config


def test_bad_input(api: httpx.Client, saml: list[str]) -> None:
    url = "/api/saml-applications"
    for bad in (
        {}, {"name": ""}, {"name": "x" * 257}, {"name": 3}, {"name": "a", "nameIdFormat": "urn:bogus"},
        {"name": "a", "acsUrl": {"binding": POST, "url": "not a url"}}, {"name": "a", "acsUrl": {"url": "https://a"}},
        {"name": "a", "entityId": "e" * 129}, {"name": "a", "attributeMapping": {"sub": 1}},
        {"name": "a", "encryption": {"encryptAssertion": True}}, {"name": "a", "customData": []},
    ):  # fmt: skip
        error(api.post(url, json=bad), 400, "guard.invalid_input")
    error(api.post(url, content=b"{", headers={"content-type": "application/json"}), 400, "guard.invalid_input")
    redirect_acs = {"name": "a", "acsUrl": {"binding": REDIRECT, "url": "https://sp.example.com/acs"}}
    error(api.post(url, json=redirect_acs), 422, "application.saml.acs_url_binding_not_supported")

    app_id = create(api, saml)["id"]
    for bad in ({"name": ""}, {"nameIdFormat": None}, {"appLevelAccessControlEnabled": "yes"}, {"entityId": 5}):
        error(api.patch(f"{url}/{app_id}", json=bad), 400, "guard.invalid_input")
    err = error(api.patch(f"{url}/{app_id}", json={"appLevelAccessControlEnabled": True}), 422, "request.invalid_input")
    assert "at least one rule" in err["message"]
    error(api.patch(f"{url}/nope", json={"name": "x"}), 404, "entity.not_exists_with_id")

    other = new_app(api, "Traditional")["id"]
    for res in (api.get(f"{url}/{other}"), api.patch(f"{url}/{other}", json={"name": "x"}), api.delete(f"{url}/{other}")):
        error(res, 422, "application.saml.saml_application_only")
    assert api.get(f"{url}/{other}/secrets").json() == []
    error(api.post(f"{url}/{other}/secrets", json={"lifeSpanInYears": 1}), 422, "entity.db_constraint_violated")
    error(api.post(f"{url}/nope/secrets", json={"lifeSpanInYears": 1}), 404, "entity.relation_foreign_key_not_found")
    error(api.get(f"{url}/{other}/metadata"), 404, "entity.not_found")
    api.delete(f"/api/applications/{other}")


def test_oss_limit(api: httpx.Client, saml: list[str]) -> None:
    while len(saml) < 3:
        create(api, saml)
    err = error(api.post("/api/saml-applications", json={"name": "fourth"}), 403, "application.saml.reach_oss_limit")
    assert "limit of 3" in err["message"]
    # The limit comes before the body is read (Logto's middleware order).
    error(api.post("/api/saml-applications", json={}), 403, "application.saml.reach_oss_limit")


def test_secrets(api: httpx.Client, saml: list[str]) -> None:
    app_id = create(api, saml)["id"]
    url = f"/api/saml-applications/{app_id}/secrets"
    [default] = api.get(url).json()
    assert list(default) == SECRET_KEYS and default["active"] is True
    assert 3 * YEAR_MS - 2 * 86_400_000 < default["expiresAt"] - default["createdAt"] < 3 * YEAR_MS + 2 * 86_400_000
    cert = x509.load_pem_x509_certificate(default["certificate"].encode())
    assert cert.public_key().key_size == 4096
    assert default["fingerprints"]["sha256"]["unformatted"] == cert.fingerprint(cert.signature_hash_algorithm).hex().upper()
    assert "privateKey" not in default

    res = api.post(url, json={"lifeSpanInYears": 30})
    assert res.status_code == 201, res.text
    second = res.json()
    assert list(second) == SECRET_KEYS and second["active"] is False
    assert second["expiresAt"] - second["createdAt"] > 29 * YEAR_MS
    for bad in ({}, {"lifeSpanInYears": 0}, {"lifeSpanInYears": 1.5}, {"lifeSpanInYears": "2"}, {"lifeSpanInYears": 10**6}):
        error(api.post(url, json=bad), 400, "guard.invalid_input")

    activated = api.patch(f"{url}/{second['id']}", json={"active": True})
    assert activated.status_code == 200 and activated.json() == {**second, "active": True}
    listed = api.get(url).json()
    assert len(listed) == 2 and [s["id"] for s in listed if s["active"]] == [second["id"]]
    # The same state again changes nothing.
    assert api.patch(f"{url}/{second['id']}", json={"active": True}).json()["active"] is True
    error(api.delete(f"{url}/{second['id']}"), 400, "application.saml.can_not_delete_active_secret")
    for bad in ({}, {"active": "true"}, {"active": None}):
        error(api.patch(f"{url}/{second['id']}", json=bad), 400, "guard.invalid_input")
    error(api.patch(f"{url}/nope", json={"active": True}), 404, "entity.not_found")
    error(api.delete(f"{url}/nope"), 404, "entity.not_found")
    assert api.delete(f"{url}/{default['id']}").status_code == 204
    assert [s["id"] for s in api.get(url).json()] == [second["id"]]
    # Deactivating the only secret leaves the app without metadata.
    assert api.patch(f"{url}/{second['id']}", json={"active": False}).json()["active"] is False
    err = error(api.get(f"/api/saml-applications/{app_id}/metadata"), 404, "entity.not_found")
    assert err["data"]["message"] == f"Can not find SAML application by ID ({app_id}) with active certificate."


def test_metadata(api: httpx.Client, anon: httpx.Client, server: Server, saml: list[str]) -> None:
    app = create(api, saml, nameIdFormat=EMAIL)
    res = anon.get(f"/api/saml-applications/{app['id']}/metadata")  # no token needed
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(res.content)
    assert root.get("entityID") == f"{server.base_url}/saml/{app['id']}"
    idp = root.find(f"{MD}IDPSSODescriptor")
    assert idp is not None and idp.get("WantAuthnRequestsSigned") == "false"
    sso = {s.get("Binding"): s.get("Location") for s in idp.findall(f"{MD}SingleSignOnService")}
    assert sso == {b: f"{server.base_url}/api/saml/{app['id']}/authn" for b in (POST, REDIRECT)}
    assert [n.text for n in idp.findall(f"{MD}NameIDFormat")] == [EMAIL]
    cert = idp.find(f"{MD}KeyDescriptor/{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    [active] = api.get(f"/api/saml-applications/{app['id']}/secrets").json()
    assert cert is not None and "".join(cert.text.split()) in active["certificate"].replace("\n", "")
    error(anon.get("/api/saml-applications/nope/metadata"), 404, "entity.not_found")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_sdk(flavor: str, server: Server) -> None:
    """`saml_applications` of the SDK, sync and async, against the live server."""

    async def body() -> None:
        mgmt, _ = make(flavor, server.base_url, server.client_id, server.client_secret)
        saml = mgmt.api.saml_applications
        app = await call(saml.create({"name": unique("sdk"), "entityId": "https://sp.example.com"}))
        try:
            assert (await call(saml.get(app["id"])))["entityId"] == "https://sp.example.com"
            assert (await call(saml.update(app["id"], {"name": "renamed"})))["name"] == "renamed"
            assert "IDPSSODescriptor" in await call(saml.metadata(app["id"]))
            staged = await call(saml.create_secret(app["id"], 1))
            assert staged["active"] is False
            assert (await call(saml.set_secret_active(app["id"], staged["id"], True)))["active"] is True
            old = [s for s in await call(saml.list_secrets(app["id"])) if not s["active"]]
            await call(saml.delete_secret(app["id"], old[0]["id"]))
            with pytest.raises(LogtoError) as info:
                await call(saml.delete_secret(app["id"], staged["id"]))
            assert info.value.code == "application.saml.can_not_delete_active_secret"
        finally:
            await call(saml.delete(app["id"]))
        await close(mgmt)

    run(body)
