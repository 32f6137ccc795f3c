"""SSO connectors and providers: create / list / get / patch / delete with Logto's validation,
the IdP asked for real (a local discovery and metadata server), SAML SP signing keys."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from cryptography import x509

from tests.conftest import unique
from tests.idp_fixtures import Idp, local_idp, metadata_xml
from tests.server import Server

PROVIDERS = ["OIDC", "SAML", "AzureAD", "GoogleWorkspace", "Okta", "AzureAdOidc"]


@pytest.fixture(scope="module")
def idp() -> Iterator[Idp]:
    with local_idp() as found:
        yield found


@pytest.fixture
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=60) as c:
        yield c


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _oidc(idp: Idp, **extra: object) -> dict[str, object]:
    return {"clientId": "cid", "clientSecret": "secret", "issuer": idp.issuer, **extra}


def _create(api: httpx.Client, provider: str = "OIDC", **body: object) -> httpx.Response:
    return api.post("/api/sso-connectors", json={"providerName": provider, "connectorName": unique("sso"), **body})


def test_providers(api: httpx.Client) -> None:
    r = api.get("/api/sso-connector-providers")
    assert r.status_code == 200
    assert [p["providerName"] for p in r.json()] == PROVIDERS
    oidc = r.json()[0]
    assert set(oidc) == {"providerName", "providerType", "logo", "logoDark", "description", "name"}
    assert oidc["providerType"] == "oidc" and oidc["name"] == "OIDC" and oidc["logo"].startswith("data:image/svg+xml")
    assert oidc["description"].startswith("Modern protocol built on OAuth 2.0")
    german = api.get("/api/sso-connector-providers", headers={"Accept-Language": "de-DE,de;q=0.9"}).json()[0]
    assert german["description"].startswith("Modernes Protokoll")
    assert [p["providerType"] for p in r.json()] == ["oidc", "saml", "saml", "oidc", "oidc", "oidc"]


def test_oidc_create_read_patch_delete(api: httpx.Client, idp: Idp) -> None:
    r = _create(api, config=_oidc(idp, scope="offline_access", extra="dropped"), domains=["Example.COM"], branding={"displayName": "Acme"})
    assert r.status_code == 200, r.text
    created = r.json()
    assert set(created) == {"tenantId", "id", "providerName", "connectorName", "config", "domains", "branding", "syncProfile", "enableTokenStorage", "createdAt"}
    assert created["config"] == {"clientId": "cid", "clientSecret": "secret", "issuer": idp.issuer, "scope": "offline_access", "trustUnverifiedEmail": False}
    assert created["domains"] == ["example.com"] and created["branding"] == {"displayName": "Acme"}
    assert created["syncProfile"] is False and created["enableTokenStorage"] is False and len(created["id"]) == 12

    got = api.get(f"/api/sso-connectors/{created['id']}").json()
    assert got["name"] == "OIDC" and got["providerType"] == "oidc" and got["providerLogo"].startswith("data:")
    assert got["providerConfig"] == {
        **created["config"], "issuer": idp.issuer, "authorizationEndpoint": f"{idp.url}/auth",
        "tokenEndpoint": f"{idp.url}/token", "userinfoEndpoint": f"{idp.url}/me", "jwksUri": f"{idp.url}/jwks",
        "scope": "openid profile email offline_access",
    }  # fmt: skip

    patched = api.patch(f"/api/sso-connectors/{created['id']}", json={"syncProfile": True, "domains": ["a.io"], "branding": {"logo": "https://l"}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["syncProfile"] is True and patched.json()["domains"] == ["a.io"]
    assert patched.json()["branding"] == {"logo": "https://l"} and "providerConfig" in patched.json()
    same = api.patch(f"/api/sso-connectors/{created['id']}", json={})
    assert same.status_code == 200 and same.json()["syncProfile"] is True

    assert api.delete(f"/api/sso-connectors/{created['id']}").status_code == 204
    gone = api.get(f"/api/sso-connectors/{created['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "entity.not_exists_with_id"
    assert api.delete(f"/api/sso-connectors/{created['id']}").status_code == 404
    assert api.patch(f"/api/sso-connectors/{created['id']}", json={}).status_code == 404


def test_issuer_unreachable_or_invalid(api: httpx.Client, idp: Idp) -> None:
    down = f"http://127.0.0.1:{_closed_port()}"
    r = _create(api, config=_oidc(idp, issuer=down))
    assert r.status_code == 400 and r.json()["code"] == "connector.invalid_config"
    assert r.json()["message"] == "The connector's config is invalid."
    data = r.json()["data"]
    assert data["ssoErrorCode"] == "invalid_config" and data["message"] == "fail_to_fetch_config"
    assert data["config"] == {"issuer": down}

    failing = _create(api, config=_oidc(idp, issuer=f"{idp.url}/down"))
    assert failing.status_code == 400 and failing.json()["data"]["error"] == "upstream down"
    huge = _create(api, config=_oidc(idp, issuer=f"{idp.url}/huge"))  # over 1 MiB: not read to the end
    assert huge.status_code == 400 and huge.json()["data"]["message"] == "fail_to_fetch_config"
    partial = _create(api, config=_oidc(idp, issuer=f"{idp.url}/partial"))
    assert partial.status_code == 400 and partial.json()["data"]["message"] == "invalid_config_response"
    assert set(partial.json()["data"]["error"]["fieldErrors"]) == {"authorization_endpoint", "token_endpoint", "jwks_uri"}

    # Stored without config, the connector reads without providerConfig (Logto's trySafe).
    bare = _create(api).json()
    assert bare["config"] == {} and "providerConfig" not in api.get(f"/api/sso-connectors/{bare['id']}").json()
    r = api.patch(f"/api/sso-connectors/{bare['id']}", json={"config": _oidc(idp, issuer=down)})
    assert r.status_code == 400 and r.json()["code"] == "connector.invalid_config"
    assert api.get(f"/api/sso-connectors/{bare['id']}").json()["config"] == {}


def test_bad_input(api: httpx.Client, idp: Idp) -> None:
    missing = api.post("/api/sso-connectors", json={"providerName": "OIDC"})
    assert missing.status_code == 400 and missing.json()["code"] == "guard.invalid_input"
    unknown = _create(api, provider="Nope")
    assert unknown.status_code == 422 and unknown.json()["code"] == "connector.not_found"
    assert unknown.json()["message"] == "Cannot find any available connector for type: Nope."
    bad_config = _create(api, config={"clientId": "x"})
    assert bad_config.status_code == 400 and bad_config.json() == {"code": "connector.invalid_config", "message": "The connector's config is invalid."}
    wrong_type = _create(api, config=_oidc(idp, trustUnverifiedEmail="yes"))
    assert wrong_type.status_code == 400 and wrong_type.json()["code"] == "connector.invalid_config"
    assert api.post("/api/sso-connectors", json={"providerName": "OIDC", "connectorName": "x", "config": []}).status_code == 400
    forbidden = _create(api, domains=["ok.io", "GMAIL.com"])
    assert forbidden.status_code == 422 and forbidden.json()["code"] == "single_sign_on.forbidden_domains"
    assert forbidden.json()["data"] == ["gmail.com"]
    duplicated = _create(api, domains=["a.io", "A.io"])
    assert duplicated.status_code == 422 and duplicated.json()["data"] == ["a.io"]
    storage = _create(api, enableTokenStorage=True)
    assert storage.status_code == 422 and storage.json()["code"] == "request.feature_not_supported"

    name = unique("dup")
    first = api.post("/api/sso-connectors", json={"providerName": "OIDC", "connectorName": name})
    assert first.status_code == 200
    again = api.post("/api/sso-connectors", json={"providerName": "SAML", "connectorName": name})
    assert again.status_code == 409 and again.json()["code"] == "single_sign_on.duplicate_connector_name"
    other = _create(api).json()
    clash = api.patch(f"/api/sso-connectors/{other['id']}", json={"connectorName": name})
    assert clash.status_code == 409
    assert api.patch(f"/api/sso-connectors/{first.json()['id']}", json={"connectorName": name}).status_code == 200
    assert api.patch(f"/api/sso-connectors/{other['id']}", json={"connectorName": ""}).status_code == 400


def test_list_paging(api: httpx.Client) -> None:
    ids = [_create(api, provider="SAML").json()["id"] for _ in range(3)]
    everything = api.get("/api/sso-connectors")
    assert everything.status_code == 200 and "Total-Number" not in everything.headers
    listed = [c["id"] for c in everything.json()]
    assert all(i in listed for i in ids)
    page = api.get("/api/sso-connectors", params={"page": 1, "page_size": 2})
    assert len(page.json()) == 2 and int(page.headers["Total-Number"]) == len(listed)
    assert all("providerConfig" in c for c in everything.json() if c["providerType"] == "saml")
    assert api.get("/api/sso-connectors", params={"page": 0}).status_code == 400


def test_saml_configs(api: httpx.Client, idp: Idp, own_server: Server) -> None:
    manual = {"entityId": "urn:idp", "signInEndpoint": "https://idp/sso", "x509Certificate": idp.cert}
    r = _create(api, provider="SAML", config={**manual, "attributeMapping": {"email": "mail", "x": "y"}})
    assert r.status_code == 200, r.text
    assert r.json()["config"] == {**manual, "attributeMapping": {"email": "mail"}}
    got = api.get(f"/api/sso-connectors/{r.json()['id']}").json()["providerConfig"]
    assert got["defaultAttributeMapping"] == {"id": "nameID", "email": "email", "name": "name"}
    assert got["serviceProvider"] == {
        "entityId": f"{own_server.base_url}/enterprise-sso/{r.json()['id']}",
        "assertionConsumerServiceUrl": f"{own_server.base_url}/api/authn/single-sign-on/saml/{r.json()['id']}",
    }
    provider = got["identityProvider"]
    assert provider["entityId"] == "urn:idp" and provider["isCertificateValid"] is True
    assert x509.load_pem_x509_certificate(provider["x509Certificate"].encode())

    by_url = _create(api, provider="AzureAD", config={"metadataUrl": f"{idp.url}/saml/metadata.xml"})
    assert by_url.status_code == 200, by_url.text
    from_url = api.get(f"/api/sso-connectors/{by_url.json()['id']}").json()["providerConfig"]["identityProvider"]
    assert from_url["entityId"] == f"{idp.url}/saml" and from_url["signInEndpoint"] == f"{idp.url}/saml/sso"
    xml = _create(api, provider="SAML", config={"metadata": metadata_xml("urn:x", "https://x/sso", idp.cert)})
    assert xml.status_code == 200 and xml.json()["config"] == {"metadata": metadata_xml("urn:x", "https://x/sso", idp.cert)}

    bad_cert = _create(api, provider="SAML", config={**manual, "x509Certificate": "not a cert"})
    assert bad_cert.status_code == 400 and bad_cert.json()["code"] == "connector.invalid_certificate"
    assert bad_cert.json()["data"]["ssoErrorCode"] == "invalid_certificate"
    broken = _create(api, provider="SAML", config={"metadata": "<nope"})
    assert broken.status_code == 400 and broken.json()["code"] == "connector.invalid_metadata"
    unreachable = _create(api, provider="SAML", config={"metadataUrl": f"http://127.0.0.1:{_closed_port()}/m"})
    assert unreachable.status_code == 400 and unreachable.json()["data"]["message"] == "fail_to_fetch_config"
    neither = _create(api, provider="SAML", config={"entityId": "x"})
    assert neither.status_code == 400 and neither.json()["code"] == "connector.invalid_config"
    signed = _create(api, provider="SAML", config={**manual, "signAuthnRequest": True})
    assert signed.status_code == 400 and signed.json()["code"] == "single_sign_on.active_signing_key_required"


def test_signing_keys(api: httpx.Client, idp: Idp) -> None:
    oidc = _create(api).json()
    assert api.get(f"/api/sso-connectors/{oidc['id']}/signing-keys").status_code == 404
    assert api.get("/api/sso-connectors/nope/signing-keys").status_code == 404
    manual = {"entityId": "urn:idp", "signInEndpoint": "https://idp/sso", "x509Certificate": idp.cert}
    saml = _create(api, provider="SAML", config=manual).json()
    base = f"/api/sso-connectors/{saml['id']}/signing-keys"
    assert api.get(base).json() == []

    staged = api.post(base, json={})
    assert staged.status_code == 201, staged.text
    key = staged.json()
    assert set(key) == {"id", "certificate", "createdAt", "expiresAt", "active", "fingerprints"} and key["active"] is False
    cert = x509.load_pem_x509_certificate(key["certificate"].encode())
    assert cert.public_key().key_size == 4096
    assert key["fingerprints"]["sha256"]["unformatted"] == cert.fingerprint(cert.signature_hash_algorithm).hex().upper()
    assert key["fingerprints"]["sha256"]["formatted"].count(":") == 31
    assert 3 * 365 * 86400_000 <= key["expiresAt"] - key["createdAt"] <= 3 * 366 * 86400_000

    # Enabling signed requests needs an active key.
    refused = api.patch(f"/api/sso-connectors/{saml['id']}", json={"config": {**manual, "signAuthnRequest": True}})
    assert refused.status_code == 400 and refused.json()["code"] == "single_sign_on.active_signing_key_required"
    on = api.patch(f"{base}/{key['id']}", json={"active": True})
    assert on.status_code == 200 and on.json()["active"] is True
    assert api.patch(f"/api/sso-connectors/{saml['id']}", json={"config": {**manual, "signAuthnRequest": True}}).status_code == 200
    in_use = api.patch(f"{base}/{key['id']}", json={"active": False})
    assert in_use.status_code == 400 and in_use.json()["code"] == "single_sign_on.can_not_deactivate_signing_key_in_use"
    busy = api.delete(f"{base}/{key['id']}")
    assert busy.status_code == 400 and busy.json()["code"] == "single_sign_on.can_not_delete_active_signing_key"

    second = api.post(base, json={"active": True}).json()
    keys = {k["id"]: k["active"] for k in api.get(base).json()}
    assert keys == {key["id"]: False, second["id"]: True}
    assert "privateKey" not in str(api.get(base).json())
    assert api.delete(f"{base}/{key['id']}").status_code == 204
    missing = api.delete(f"{base}/{key['id']}")
    assert missing.status_code == 404 and missing.json()["code"] == "entity.not_found"
    assert api.patch(f"{base}/nope", json={"active": True}).status_code == 404
    assert api.patch(f"{base}/{second['id']}", json={}).status_code == 400
    assert api.delete(f"/api/sso-connectors/{saml['id']}").status_code == 204
    assert api.get(base).status_code == 404


def test_delete_unlinks_organizations(api: httpx.Client) -> None:
    org = api.post("/api/organizations", json={"name": unique("org")}).json()
    connector = _create(api).json()
    linked = api.post(f"/api/organizations/{org['id']}/jit/sso-connectors", json={"ssoConnectorIds": [connector["id"]]})
    assert linked.status_code == 201, linked.text
    assert [c["id"] for c in api.get(f"/api/organizations/{org['id']}/jit/sso-connectors").json()] == [connector["id"]]
    assert api.delete(f"/api/sso-connectors/{connector['id']}").status_code == 204
    assert api.get(f"/api/organizations/{org['id']}/jit/sso-connectors").json() == []


def test_requires_management_token(own_server: Server) -> None:
    assert httpx.get(f"{own_server.base_url}/api/sso-connectors").status_code == 401
    assert httpx.get(f"{own_server.base_url}/api/sso-connector-providers").status_code == 401


def test_provider_specific_configs(api: httpx.Client, idp: Idp) -> None:
    okta = _create(api, provider="Okta", config=_oidc(idp, trustUnverifiedEmail=True))
    assert okta.status_code == 200 and okta.json()["config"]["trustUnverifiedEmail"] is True
    got = api.get(f"/api/sso-connectors/{okta.json()['id']}").json()
    assert got["name"] == "Okta" and got["providerType"] == "oidc" and got["providerConfig"]["tokenEndpoint"] == f"{idp.url}/token"
    entra = _create(api, provider="AzureAdOidc", config=_oidc(idp)).json()
    assert api.get(f"/api/sso-connectors/{entra['id']}").json()["name"] == "Microsoft Entra ID (OIDC)"
    # Google Workspace has a fixed issuer: an `offlineAccess` of the wrong type fails before any fetch.
    google = _create(api, provider="GoogleWorkspace", config={"clientId": "a", "clientSecret": "b", "offlineAccess": "yes"})
    assert google.status_code == 400 and google.json()["code"] == "connector.invalid_config"
    saml_shape = _create(api, provider="AzureAD", config={"metadataUrl": 1})
    assert saml_shape.status_code == 400 and saml_shape.json()["code"] == "connector.invalid_config"
    algorithm = _create(api, provider="SAML", config={"metadata": "<x/>", "requestSignatureAlgorithm": "rsa-sha1"})
    assert algorithm.status_code == 400 and algorithm.json()["code"] == "connector.invalid_config"
