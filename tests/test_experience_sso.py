"""Enterprise SSO sign-in through the Experience API. OIDC: a second authkeep server (one per
module) is the identity provider, with a Traditional app and users who sign in there through its
own Experience API; the test is the browser. SAML: an IdP built with pysaml2's IdP side
(tests/saml_idp.py) reads authkeep's AuthnRequest and posts a signed response to the ACS."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.conftest import fresh_server, unique
from tests.experience_helpers import PASSWORD, admin, begin, error, make_app, make_user, password_id
from tests.oidc_flow import location, password_sign_in
from tests.saml_idp import SSO_URL, SamlIdp, tamper
from tests.server import Server

PROVIDER_PASSWORD = "Provider-Pass-77"
OIDC_DOMAIN, SAML_DOMAIN = "corp-oidc.example", "corp-saml.example"


class IdpProxy:
    """The IdP as a connector sees it at `issuer`: the provider's discovery, except that the token
    endpoint is this proxy, which can alter the ID token the provider answers."""

    def __init__(self, upstream_issuer: str) -> None:
        self.tamper = False
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                doc = httpx.get(f"{upstream_issuer}/.well-known/openid-configuration", timeout=30).json()
                doc["token_endpoint"] = f"{proxy.url}/token"
                self._send(doc)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
                out = httpx.post(f"{upstream_issuer}/token", content=body, headers=headers, timeout=30).json()
                if proxy.tamper and "id_token" in out:
                    head, payload, signature = out["id_token"].split(".")
                    out["id_token"] = f"{head}.{payload[:-4]}AAAA.{signature}"
                self._send(out)

            def _send(self, doc: dict[str, Any]) -> None:
                data = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def provider() -> Iterator[Server]:
    with fresh_server("sqlite") as srv:
        yield srv


@pytest.fixture(scope="module")
def saml_idp() -> Iterator[SamlIdp]:
    idp = SamlIdp()
    yield idp
    idp.close()


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with admin(own_server) as client:
        yield client


def _provider_user(papi: httpx.Client, email: str, name: str) -> dict[str, Any]:
    r = papi.post("/api/users", json={"username": unique("p").replace("-", "_"), "password": PROVIDER_PASSWORD,
                                      "primaryEmail": email, "name": name})  # fmt: skip
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture(scope="module")
def setup(own_server: Server, provider: Server, saml_idp: SamlIdp, api: httpx.Client) -> Iterator[dict[str, Any]]:
    callback = f"{own_server.base_url}/callback/sso"
    with admin(provider) as papi:
        issuer = papi.get("/oidc/.well-known/openid-configuration").json()["issuer"]
        r = papi.post("/api/applications", json={"name": "relying party", "type": "Traditional",
                                                  "oidcClientMetadata": {"redirectUris": [callback], "postLogoutRedirectUris": []}})  # fmt: skip
        app_id = r.json()["id"]
        secret = papi.get(f"/api/applications/{app_id}/secrets").json()[0]["value"]
        users = {k: _provider_user(papi, f"{k}-{unique('m')}@{OIDC_DOMAIN}", f"{k.title()} Person") for k in ("new", "linked", "other")}
    proxy = IdpProxy(issuer)
    assert api.patch("/api/sign-in-exp", json={"singleSignOnEnabled": True}).status_code == 200
    oidc_config = {"clientId": app_id, "clientSecret": secret, "issuer": issuer, "scope": "profile email"}
    connectors = {}
    for name, body in {
        "oidc": {"providerName": "OIDC", "config": oidc_config, "domains": [OIDC_DOMAIN]},
        "proxied": {"providerName": "OIDC", "config": {**oidc_config, "issuer": proxy.url}, "domains": []},
        "saml": {"providerName": "SAML", "domains": [SAML_DOMAIN],
                 "config": {"metadata": saml_idp.metadata(), "attributeMapping": {"email": "mail", "name": "displayName"}}},
    }.items():  # fmt: skip
        r = api.post("/api/sso-connectors", json={"connectorName": unique(name), **body})
        assert r.status_code == 200, r.text
        connectors[name] = r.json()["id"]
    sp = api.get(f"/api/sso-connectors/{connectors['saml']}").json()["providerConfig"]["serviceProvider"]
    saml_idp.trust(sp["entityId"], sp["assertionConsumerServiceUrl"])
    # organization JIT through the OIDC connector, with a JIT role
    org = api.post("/api/organizations", json={"name": unique("org")}).json()["id"]
    role = api.post("/api/organization-roles", json={"name": unique("jit-role")}).json()["id"]
    assert api.post(f"/api/organizations/{org}/jit/sso-connectors", json={"ssoConnectorIds": [connectors["oidc"]]}).status_code == 201
    assert api.post(f"/api/organizations/{org}/jit/roles", json={"organizationRoleIds": [role]}).status_code == 201
    yield {"callback": callback, "issuer": issuer, "app_id": app_id, "users": users, "connectors": connectors,
           "org": org, "role": role, "proxy": proxy, "sp": sp}  # fmt: skip
    proxy.server.shutdown()
    proxy.server.server_close()


def _provider_callback(provider: Server, uri: str, username: str, callback: str) -> dict[str, str]:
    """A browser at the provider: `/oidc/auth`, password sign-in there, resume to our callback."""
    with httpx.Client(base_url=provider.base_url, timeout=30, follow_redirects=False) as c:
        location(c.get(uri))
        r = password_sign_in(c, username, PROVIDER_PASSWORD)
        assert r.status_code == 200, r.text
        url = r.json()["redirectTo"]
        for _ in range(6):
            if url.startswith(callback):
                return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
            url = location(c.get(url))
    raise AssertionError(f"no redirect to the callback: {url}")


def _oidc(srv: Server, provider: Server, setup: dict[str, Any], who: str, connector: str = "oidc",
          edit: dict[str, Any] | None = None, client: httpx.Client | None = None) -> tuple[httpx.Client, str, httpx.Response]:  # fmt: skip
    """Authorization URI here, sign-in at the provider, `/verify` here."""
    connector_id = setup["connectors"][connector]
    if client is None:
        client, _ = begin(srv, make_app(admin(srv)))
    r = client.post(f"/api/experience/verification/sso/{connector_id}/authorization-uri",
                    json={"state": "st-1", "redirectUri": setup["callback"]})  # fmt: skip
    assert r.status_code == 200, r.text
    vid, uri = r.json()["verificationId"], r.json()["authorizationUri"]
    if edit:
        parts = urlsplit(uri)
        uri = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode({**{k: v[0] for k, v in parse_qs(parts.query).items()}, **edit})}"
    data = _provider_callback(provider, uri, setup["users"][who]["username"], setup["callback"])
    r = client.post(f"/api/experience/verification/sso/{connector_id}/verify", json={"verificationId": vid, "connectorData": data})
    return client, vid, r


def _roles(api: httpx.Client, org: str, user_id: str) -> list[str]:
    return [r["id"] for r in api.get(f"/api/organizations/{org}/users/{user_id}/roles").json()]


def test_connectors_by_email(own_server: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    client, _ = begin(own_server, make_app(api))
    assert client.get("/api/experience/sso-connectors", params={"email": f"x@{OIDC_DOMAIN.upper()}"}).json() == {"connectorIds": [setup["connectors"]["oidc"]]}
    assert client.get("/api/experience/sso-connectors", params={"email": f"x@{SAML_DOMAIN}"}).json() == {"connectorIds": [setup["connectors"]["saml"]]}
    assert client.get("/api/experience/sso-connectors", params={"email": "x@elsewhere.example"}).json() == {"connectorIds": []}
    assert error(client.get("/api/experience/sso-connectors", params={"email": "not-an-email"})) == (400, "guard.invalid_input")
    assert error(client.get("/api/experience/sso-connectors")) == (400, "guard.invalid_input")
    # the sign-in page's list: available connectors only (the proxied one has no domain)
    found = {c["id"]: c for c in httpx.get(f"{own_server.base_url}/api/.well-known/sign-in-exp", timeout=30).json()["ssoConnectors"]}
    assert set(found) == {setup["connectors"]["oidc"], setup["connectors"]["saml"]}
    assert found[setup["connectors"]["saml"]]["connectorName"] == "SAML" and found[setup["connectors"]["saml"]]["logo"].startswith("data:")


def test_oidc_register_then_sign_in_with_jit(own_server: Server, provider: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    client, _ = begin(own_server, make_app(api))
    r = client.post(f"/api/experience/verification/sso/{setup['connectors']['oidc']}/authorization-uri",
                    json={"state": "st-1", "redirectUri": setup["callback"]})  # fmt: skip
    uri = urlsplit(r.json()["authorizationUri"])
    query = {k: v[0] for k, v in parse_qs(uri.query).items()}
    assert f"{uri.scheme}://{uri.netloc}{uri.path}" == f"{setup['issuer']}/auth"
    assert query.pop("nonce") and query.pop("code_challenge")
    assert query == {"state": "st-1", "client_id": setup["app_id"], "response_type": "code", "redirect_uri": setup["callback"],
                     "scope": "openid profile email", "code_challenge_method": "S256"}  # fmt: skip

    person = setup["users"]["new"]
    client, vid, r = _oidc(own_server, provider, setup, "new")
    assert r.status_code == 200 and r.json() == {"verificationId": vid}, r.text
    record = client.get("/api/experience/interaction").json()["verificationRecords"][0]
    assert record["type"] == "EnterpriseSso" and record["issuer"] == setup["issuer"]
    assert record["enterpriseSsoUserInfo"]["id"] == person["id"] and record["enterpriseSsoUserInfo"]["email"] == person["primaryEmail"]
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (404, "user.sso_identity_not_exist")
    assert client.put("/api/experience/interaction-event", json={"interactionEvent": "Register"}).status_code == 204
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 201
    assert client.post("/api/experience/submit").status_code == 200
    user_id = client.get("/api/experience/interaction").json()["userId"]
    user = api.get(f"/api/users/{user_id}", params={"includeSsoIdentities": "true"}).json()
    assert user["primaryEmail"] == person["primaryEmail"] and user["name"] == "New Person"
    [identity] = user["ssoIdentities"]
    assert identity["issuer"] == setup["issuer"] and identity["identityId"] == person["id"]
    assert identity["ssoConnectorId"] == setup["connectors"]["oidc"]
    assert _roles(api, setup["org"], user_id) == [setup["role"]]

    # the same identity later signs the same user in (no new user, no second identity)
    client, vid, r = _oidc(own_server, provider, setup, "new")
    assert r.status_code == 200, r.text
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.get("/api/experience/interaction").json()["userId"] == user_id
    assert client.post("/api/experience/submit").status_code == 200
    assert len(api.get(f"/api/users/{user_id}", params={"includeSsoIdentities": "true"}).json()["ssoIdentities"]) == 1


def test_oidc_links_user_with_the_same_email(own_server: Server, provider: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    person = setup["users"]["linked"]
    existing = make_user(api, primaryEmail=person["primaryEmail"].upper())
    client, vid, r = _oidc(own_server, provider, setup, "linked")
    assert r.status_code == 200, r.text
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.get("/api/experience/interaction").json()["userId"] == existing["id"]
    assert client.post("/api/experience/submit").status_code == 200
    found = api.get(f"/api/users/{existing['id']}", params={"includeSsoIdentities": "true"}).json()["ssoIdentities"]
    assert [(s["identityId"], s["userId"]) for s in found] == [(person["id"], existing["id"])]
    assert _roles(api, setup["org"], existing["id"]) == [setup["role"]]


def test_password_refused_for_sso_only_domain(own_server: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    methods = [{"identifier": kind, "password": True, "verificationCode": False, "isPasswordPrimary": True}
               for kind in ("username", "email")]  # fmt: skip
    assert api.patch("/api/sign-in-exp", json={"signIn": {"methods": methods}}).status_code == 200
    user = make_user(api, primaryEmail=f"{unique('pw')}@{OIDC_DOMAIN}")
    client, _ = begin(own_server, make_app(api))
    vid = password_id(client, "email", user["primaryEmail"])
    r = client.post("/api/experience/identification", json={"verificationId": vid})
    assert error(r) == (422, "session.sso_enabled"), r.text
    [found] = r.json()["data"]["ssoConnectors"]
    assert found["id"] == setup["connectors"]["oidc"] and "config" not in found
    # by username the same user may still use the password
    client, _ = begin(own_server, make_app(api))
    vid = password_id(client, "username", user["username"], PASSWORD)
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204


def test_oidc_refusals(own_server: Server, provider: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    oidc = setup["connectors"]["oidc"]
    client, _ = begin(own_server, make_app(api))
    body = {"state": "s", "redirectUri": setup["callback"]}
    assert error(client.post("/api/experience/verification/sso/nope/authorization-uri", json=body)) == (404, "entity.not_exists_with_id")
    assert error(client.post(f"/api/experience/verification/sso/{oidc}/authorization-uri", json={"state": "s"})) == (400, "guard.invalid_input")
    vid = client.post(f"/api/experience/verification/sso/{oidc}/authorization-uri", json=body).json()["verificationId"]
    verify = f"/api/experience/verification/sso/{oidc}/verify"
    assert error(client.post(verify, json={"verificationId": "other", "connectorData": {}})) == (404, "session.verification_session_not_found")
    assert error(client.post(f"/api/experience/verification/sso/{setup['connectors']['saml']}/verify",
                             json={"verificationId": vid, "connectorData": {}})) == (404, "session.verification_session_not_found")  # fmt: skip
    r = client.post(verify, json={"verificationId": vid, "connectorData": {"state": "s"}})
    assert error(r) == (400, "connector.invalid_request_parameters") and r.json()["data"]["ssoErrorCode"] == "invalid_request_parameters"
    # the connector session was used up
    assert error(client.post(verify, json={"verificationId": vid, "connectorData": {"code": "x"}})) == (400, "session.connector_validation_session_not_found")
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (400, "session.verification_failed")

    # a state other than the one sent, a forged nonce, an ID token altered on the way
    for connector, edit, tampered, message in (("oidc", {"state": "forged"}, False, "state does not match"),
                                               ("oidc", {"nonce": "forged-nonce"}, False, "nonce does not match"),
                                               ("proxied", None, True, "Fail to verify id_token")):  # fmt: skip
        setup["proxy"].tamper = tampered
        client, vid, r = _oidc(own_server, provider, setup, "other", connector=connector, edit=edit)
        assert error(r) == (401, "connector.authorization_failed"), r.text
        assert r.json()["data"]["message"] == message and r.json()["data"]["ssoErrorCode"] == "authorization_failed"
        assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (400, "session.verification_failed")
    setup["proxy"].tamper = False
    client, vid, r = _oidc(own_server, provider, setup, "other", connector="proxied")
    assert r.status_code == 200, r.text  # the proxy itself is no obstacle


def test_sso_sign_in_needs_sso_enabled(own_server: Server, provider: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    client, vid, r = _oidc(own_server, provider, setup, "new")
    assert r.status_code == 200, r.text
    assert api.patch("/api/sign-in-exp", json={"singleSignOnEnabled": False}).status_code == 200
    try:
        r = client.post("/api/experience/identification", json={"verificationId": vid})
        assert error(r) == (422, "user.sign_in_method_not_enabled")
        assert client.get("/api/experience/sso-connectors", params={"email": f"x@{OIDC_DOMAIN}"}).json() == {"connectorIds": []}
    finally:
        assert api.patch("/api/sign-in-exp", json={"singleSignOnEnabled": True}).status_code == 200


# --- SAML ------------------------------------------------------------------------------------------


def _saml_start(srv: Server, setup: dict[str, Any], saml_idp: SamlIdp, api: httpx.Client) -> tuple[httpx.Client, str, Any, str, str]:
    client, uid = begin(srv, make_app(api))
    connector_id = setup["connectors"]["saml"]
    r = client.post(f"/api/experience/verification/sso/{connector_id}/authorization-uri",
                    json={"state": "st-saml", "redirectUri": f"{srv.base_url}/callback/saml?x=1"})  # fmt: skip
    assert r.status_code == 200, r.text
    url = r.json()["authorizationUri"]
    assert url.startswith(SSO_URL + "?") and uid not in url  # the interaction id travels sealed
    request, relay = saml_idp.read_request(url)
    assert request.issuer.text == setup["sp"]["entityId"]
    assert request.assertion_consumer_service_url == setup["sp"]["assertionConsumerServiceUrl"]
    return client, r.json()["verificationId"], request, relay, connector_id


def _acs(srv: Server, connector_id: str, data: dict[str, str], form: bool = True) -> httpx.Response:
    """The IdP's browser posting the response (a cross-site form, no cookie)."""
    url = f"{srv.base_url}/api/authn/single-sign-on/saml/{connector_id}"
    headers = {"Origin": "https://idp.example.test"}
    if form:
        return httpx.post(url, data=data, headers=headers, timeout=30, follow_redirects=False)
    return httpx.post(url, json=data, headers=headers, timeout=30, follow_redirects=False)


def test_saml_register_then_sign_in(own_server: Server, setup: dict[str, Any], saml_idp: SamlIdp, api: httpx.Client) -> None:
    name_id, email = unique("saml-user"), f"{unique('s')}@{SAML_DOMAIN}"
    attributes = {"mail": [email], "displayName": ["Sam L"]}
    client, vid, request, relay, connector_id = _saml_start(own_server, setup, saml_idp, api)
    verify = f"/api/experience/verification/sso/{connector_id}/verify"
    assert error(client.post(verify, json={"verificationId": vid, "connectorData": {}})) == (400, "session.connector_session_not_found")

    client, vid, request, relay, connector_id = _saml_start(own_server, setup, saml_idp, api)
    r = _acs(own_server, connector_id, {"SAMLResponse": saml_idp.respond(request, name_id, attributes), "RelayState": relay})
    assert r.status_code == 302, r.text
    assert r.headers["location"] == f"{own_server.base_url}/callback/saml?x=1&state=st-saml"
    assert client.post(verify, json={"verificationId": vid, "connectorData": {}}).status_code == 200
    record = client.get("/api/experience/interaction").json()["verificationRecords"][0]
    assert record["issuer"] == saml_idp.entity_id
    assert record["enterpriseSsoUserInfo"] == {"id": name_id, "email": email, "name": "Sam L"}
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (404, "user.sso_identity_not_exist")
    assert client.put("/api/experience/interaction-event", json={"interactionEvent": "Register"}).status_code == 204
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 201
    assert client.post("/api/experience/submit").status_code == 200
    user_id = client.get("/api/experience/interaction").json()["userId"]
    user = api.get(f"/api/users/{user_id}", params={"includeSsoIdentities": "true"}).json()
    assert user["primaryEmail"] == email and user["name"] == "Sam L"
    assert [(s["issuer"], s["identityId"]) for s in user["ssoIdentities"]] == [(saml_idp.entity_id, name_id)]
    # the organization's JIT names the OIDC connector only
    assert user_id not in [m["id"] for m in api.get(f"/api/organizations/{setup['org']}/users").json()]
    # the response cannot be replayed once its session is used
    r = _acs(own_server, connector_id, {"SAMLResponse": saml_idp.respond(request, name_id, attributes), "RelayState": relay})
    assert error(r) == (404, "session.connector_validation_session_not_found")

    client, vid, request, relay, _ = _saml_start(own_server, setup, saml_idp, api)
    r = _acs(own_server, connector_id, {"SAMLResponse": saml_idp.respond(request, name_id, attributes), "RelayState": relay}, form=False)
    assert r.status_code == 302, r.text
    assert client.post(verify, json={"verificationId": vid, "connectorData": {}}).status_code == 200
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.get("/api/experience/interaction").json()["userId"] == user_id


def test_saml_refusals(own_server: Server, setup: dict[str, Any], saml_idp: SamlIdp, api: httpx.Client) -> None:
    client, vid, request, relay, connector_id = _saml_start(own_server, setup, saml_idp, api)
    good = saml_idp.respond(request, "someone", {"mail": [f"someone@{SAML_DOMAIN}"]})
    other = SamlIdp(saml_idp.entity_id)  # same entity id, another key
    try:
        other.trust(setup["sp"]["entityId"], setup["sp"]["assertionConsumerServiceUrl"])
        forged = other.respond(request, "someone", {"mail": [f"someone@{SAML_DOMAIN}"]})
    finally:
        other.close()
    saml_idp.trust("https://another-sp.example/metadata", setup["sp"]["assertionConsumerServiceUrl"])
    for bad in (tamper(good, "someone@", "mallory@"), forged,
                saml_idp.respond(request, "someone", {}, sign_response=False, sign_assertion=False),
                saml_idp.respond(request, "someone", {}, audience="https://another-sp.example/metadata"),
                "bm90IHhtbA==", "%%%"):  # fmt: skip
        r = _acs(own_server, connector_id, {"SAMLResponse": bad, "RelayState": relay})
        assert error(r) == (401, "connector.authorization_failed"), r.text
        assert r.json()["data"] == {"ssoErrorCode": "authorization_failed", "message": "Invalid SAML assertion"}
    for data, expected in (({"SAMLResponse": good, "RelayState": relay[:-4] + "AAAA"}, (404, "session.connector_validation_session_not_found")),
                           ({"SAMLResponse": good, "RelayState": "not-sealed"}, (404, "session.connector_validation_session_not_found")),
                           ({"SAMLResponse": good}, (404, "session.connector_validation_session_not_found")),
                           ({"RelayState": relay}, (400, "guard.invalid_input"))):  # fmt: skip
        assert error(_acs(own_server, connector_id, data)) == expected
    assert error(_acs(own_server, "nope", {"SAMLResponse": good, "RelayState": relay})) == (404, "entity.not_exists_with_id")
    assert error(_acs(own_server, setup["connectors"]["oidc"], {"SAMLResponse": good, "RelayState": relay})) == (400, "connector.unexpected_type")
    # a relay state sealed for another connector does not open here
    r = api.post("/api/sso-connectors", json={"connectorName": unique("saml2"), "providerName": "SAML",
                                              "config": {"metadata": saml_idp.metadata()}})  # fmt: skip
    assert error(_acs(own_server, r.json()["id"], {"SAMLResponse": good, "RelayState": relay})) == (404, "session.connector_validation_session_not_found")
    # a genuine response to another request (another interaction's) is refused
    _, _, request2, relay2, _ = _saml_start(own_server, setup, saml_idp, api)
    r = _acs(own_server, connector_id, {"SAMLResponse": saml_idp.respond(request2, "someone", {}), "RelayState": relay})
    assert error(r) == (401, "connector.authorization_failed")
    assert relay2 != relay
    # none of that reached the interaction; the genuine response still works
    verify = f"/api/experience/verification/sso/{connector_id}/verify"
    assert _acs(own_server, connector_id, {"SAMLResponse": good, "RelayState": relay}).status_code == 302
    assert client.post(verify, json={"verificationId": vid, "connectorData": {}}).status_code == 200


def test_social_saml_acs_has_no_connector(own_server: Server, api: httpx.Client) -> None:
    """authkeep ships no SAML social connector: Logto's answers for connectors that are not one."""
    url = f"{own_server.base_url}/api/authn/saml"
    form = {"SAMLResponse": "x", "RelayState": "y"}
    r = httpx.post(f"{url}/nope", data=form, timeout=30)
    assert error(r) == (422, "session.invalid_connector_id") and "nope" in r.json()["message"]
    social = api.post("/api/connectors", json={"connectorId": "oidc", "metadata": {"target": unique("t")}, "config": {
        "authorizationEndpoint": "https://idp.example.test/auth", "tokenEndpoint": "https://idp.example.test/token",
        "clientId": "c", "clientSecret": "s", "scope": "openid",
        "idTokenVerificationConfig": {"jwksUri": "https://idp.example.test/jwks"}}})  # fmt: skip
    assert social.status_code == 200, social.text
    assert error(httpx.post(f"{url}/{social.json()['id']}", data=form, timeout=30)) == (501, "connector.not_implemented")
    assert error(httpx.post(f"{url}/{social.json()['id']}", data={"SAMLResponse": "x"}, timeout=30)) == (400, "connector.invalid_response")
    mail = api.post("/api/connectors", json={"connectorId": "simple-mail-transfer-protocol", "config": {
        "host": "127.0.0.1", "port": 9, "auth": {}, "fromEmail": "auth@example.com",
        "templates": [{"usageType": u, "type": "text/plain", "subject": "s", "content": "{{code}}"}
                      for u in ("Register", "SignIn", "ForgotPassword", "Generic")]}})  # fmt: skip
    assert mail.status_code == 200, mail.text
    assert error(httpx.post(f"{url}/{mail.json()['id']}", data=form, timeout=30)) == (400, "connector.unexpected_type")


def test_saml_signed_authn_request(own_server: Server, setup: dict[str, Any], saml_idp: SamlIdp, api: httpx.Client) -> None:
    from saml2.sigver import RSACrypto, verify_redirect_signature

    def body(pem: str) -> str:
        return "".join(pem.strip().splitlines()[1:-1])

    r = api.post("/api/sso-connectors", json={"connectorName": unique("signed"), "providerName": "SAML",
                                              "config": {"metadata": saml_idp.metadata()}, "domains": []})  # fmt: skip
    connector_id = r.json()["id"]
    key = api.post(f"/api/sso-connectors/{connector_id}/signing-keys", json={"active": True}).json()
    algorithm = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    r = api.patch(f"/api/sso-connectors/{connector_id}", json={"config": {
        "metadata": saml_idp.metadata(), "signAuthnRequest": True, "requestSignatureAlgorithm": algorithm}})  # fmt: skip
    assert r.status_code == 200, r.text
    client, _ = begin(own_server, make_app(api))
    r = client.post(f"/api/experience/verification/sso/{connector_id}/authorization-uri",
                    json={"state": "s", "redirectUri": f"{own_server.base_url}/callback"})  # fmt: skip
    assert r.status_code == 200, r.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(r.json()["authorizationUri"]).query).items()}
    assert query["SigAlg"] == algorithm
    assert verify_redirect_signature(query, RSACrypto(None), cert=body(key["certificate"]))
    assert not verify_redirect_signature({**query, "RelayState": "changed"}, RSACrypto(None), cert=body(key["certificate"]))
    # another key's certificate does not verify it
    other = api.post(f"/api/sso-connectors/{connector_id}/signing-keys", json={"active": False}).json()
    assert not verify_redirect_signature(query, RSACrypto(None), cert=body(other["certificate"]))


def test_one_time_token_and_sso_domains(own_server: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    """A verified one-time token signs in even on an SSO domain, but cannot register there."""
    app_id = make_app(api)
    for event, email, expected in (("SignIn", make_user(api, primaryEmail=f"{unique('o')}@{OIDC_DOMAIN}")["primaryEmail"], 204),
                                   ("Register", f"{unique('n')}@{OIDC_DOMAIN}", 422)):  # fmt: skip
        token = api.post("/api/one-time-tokens", json={"email": email}).json()["token"]
        client, _ = begin(own_server, app_id, event)
        r = client.post("/api/experience/verification/one-time-token/verify",
                        json={"identifier": {"type": "email", "value": email}, "token": token})  # fmt: skip
        assert r.status_code == 200, r.text
        r = client.post("/api/experience/identification", json={"verificationId": r.json()["verificationId"]})
        assert r.status_code == expected, r.text
        if expected == 422:
            assert r.json()["code"] == "session.sso_enabled"


def test_saml_identity_id_too_long(own_server: Server, setup: dict[str, Any], saml_idp: SamlIdp, api: httpx.Client) -> None:
    client, vid, request, relay, connector_id = _saml_start(own_server, setup, saml_idp, api)
    r = _acs(own_server, connector_id, {"SAMLResponse": saml_idp.respond(request, "x" * 200, {}), "RelayState": relay})
    assert r.status_code == 302, r.text
    assert client.post(f"/api/experience/verification/sso/{connector_id}/verify",
                       json={"verificationId": vid, "connectorData": {}}).status_code == 200  # fmt: skip
    assert client.put("/api/experience/interaction-event", json={"interactionEvent": "Register"}).status_code == 204
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (422, "entity.value_too_long")
