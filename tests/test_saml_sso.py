"""SP-initiated SAML SSO end to end: a pysaml2 service provider, configured from authkeep's IdP
metadata, sends an AuthnRequest (HTTP-Redirect and HTTP-POST); a person signs in through
authkeep's own flow (the Experience API); the same SP validates the signed SAMLResponse the
auto-submitting form carries (signature, audience, destination, NameID, attributes)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.sigver import SignatureError

from tests.conftest import unique
from tests.oidc_flow import browser, location, password_sign_in
from tests.server import Server
from tests.test_applications import error

POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
SP_ENTITY = "https://sp.example.com/saml"
ACS = "https://sp.example.com/saml/acs"


@dataclass
class Person:
    id: str
    username: str
    password: str
    email: str


@pytest.fixture
def person(api: httpx.Client) -> Person:
    username, password = unique("saml").replace("-", "_"), "Saml-pass-" + secrets.token_hex(6)
    email = f"{username}@example.com"
    res = api.post("/api/users", json={"username": username, "password": password, "primaryEmail": email, "name": "Ann Lee"})
    assert res.status_code == 200, res.text
    return Person(res.json()["id"], username, password, email)


@pytest.fixture
def app(api: httpx.Client) -> Iterator[dict[str, Any]]:
    body = {
        "name": unique("sp"), "entityId": SP_ENTITY, "acsUrl": {"binding": POST, "url": ACS}, "nameIdFormat": EMAIL,
        "attributeMapping": {"sub": "uid", "email": "mail", "name": "displayName", "email_verified": "verified"},
    }  # fmt: skip
    res = api.post("/api/saml-applications", json=body)
    assert res.status_code == 201, res.text
    yield res.json()
    api.delete(f"/api/saml-applications/{res.json()['id']}")


def service_provider(anon: httpx.Client, app_id: str, keypairs: list[dict[str, str]] | None = None) -> Saml2Client:
    metadata = anon.get(f"/api/saml-applications/{app_id}/metadata")
    assert metadata.status_code == 200, metadata.text
    conf = SPConfig()
    conf.load({
        "entityid": SP_ENTITY,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(ACS, BINDING_HTTP_POST)]},
            "want_response_signed": True, "want_assertions_signed": True, "allow_unsolicited": False,
        }},
        "allow_unknown_attributes": True,
        **({"encryption_keypairs": keypairs} if keypairs else {}),
        "metadata": {"inline": [metadata.text]},
        "xmlsec_binary": "/usr/bin/xmlsec1",
    })  # fmt: skip
    return Saml2Client(config=conf)


def attributes(parsed: Any) -> dict[str, list[str]]:
    """The assertion's attributes as sent (pysaml2's `ava` lower-cases unknown names)."""
    out: dict[str, list[str]] = {}
    for statement in parsed.assertion.attribute_statement:
        for attribute in statement.attribute:
            assert attribute.name_format == "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
            out[attribute.name] = [v.text for v in attribute.attribute_value]
    return out


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.script = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action") or ""
        elif tag == "input":
            self.fields[a.get("name") or ""] = a.get("value") or ""
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script += data


def sign_in_to_form(srv: Server, c: httpx.Client, first: httpx.Response, who: Person) -> tuple[_Form, httpx.Response]:
    """From the authn endpoint's 302: the sign-in, then every redirect to the callback's page."""
    assert first.status_code == 302, first.text
    url = location(first)
    assert url.startswith(f"{srv.base_url}/oidc/auth?"), url
    location(c.get(url))  # to the sign-in page
    r = password_sign_in(c, who.username, who.password)
    assert r.status_code == 200, r.text
    url = r.json()["redirectTo"]
    for _ in range(6):
        r = c.get(url)
        if r.status_code == 200:
            break
        url = location(r)
    assert r.status_code == 200 and "/callback?" in str(r.request.url), (r.status_code, r.text[:300])
    form = _Form()
    form.feed(r.text)
    return form, r


def test_redirect_binding_end_to_end(server: Server, api: httpx.Client, anon: httpx.Client, app: dict[str, Any], person: Person) -> None:
    sp = service_provider(anon, app["id"])
    request_id, info = sp.prepare_for_authenticate(relay_state="relay-1", binding=BINDING_HTTP_REDIRECT)
    target = dict(info["headers"])["Location"]
    assert target.startswith(f"{server.base_url}/api/saml/{app['id']}/authn?")
    with browser(server) as c:
        first = c.get(target)
        assert first.cookies.get("_logto_sp_saml_sso_session_id")
        query = parse_qs(urlparse(location(first)).query)
        assert query["client_id"] == [app["id"]] and query["prompt"] == ["login"]
        assert query["redirect_uri"] == [f"{server.base_url}/api/saml-applications/{app['id']}/callback"]
        assert query["scope"] == ["openid profile email"]
        form, page = sign_in_to_form(server, c, first, person)

    # The page: a strict CSP whose hash is the auto-submit script's; the form to the SP's ACS.
    csp = page.headers["content-security-policy"]
    digest = base64.b64encode(hashlib.sha256(form.script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "form-action https://sp.example.com;" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert form.action == ACS and form.fields["RelayState"] == "relay-1"

    parsed = sp.parse_authn_request_response(form.fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"})
    assert parsed.in_response_to == request_id
    assert parsed.response.destination == ACS
    assert parsed.name_id.text == person.email and parsed.name_id.format == EMAIL
    assert parsed.assertion.conditions.audience_restriction[0].audience[0].text == SP_ENTITY
    assert parsed.assertion.issuer.text == f"{server.base_url}/saml/{app['id']}"
    assert attributes(parsed) == {"uid": [person.id], "mail": [person.email], "displayName": ["Ann Lee"], "verified": ["true"]}
    assert parsed.response.signature is not None and parsed.assertion.signature is not None

    # A tampered response fails validation: any changed byte breaks the signatures.
    xml = base64.b64decode(form.fields["SAMLResponse"]).decode()
    tampered = base64.b64encode(xml.replace(person.email, "mallory@example.com").encode()).decode()
    with pytest.raises(SignatureError):
        sp.parse_authn_request_response(tampered, BINDING_HTTP_POST, outstanding={request_id: "/"})
    # An SP expecting another audience refuses it too.
    other = sp.config.entityid
    sp.config.entityid = "https://elsewhere.example.com"
    with pytest.raises(Exception):  # noqa: B017  pysaml2 names this failure differently by version
        sp.parse_authn_request_response(form.fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"})
    sp.config.entityid = other


def test_post_binding_persistent_without_mapping(server: Server, api: httpx.Client, anon: httpx.Client, app: dict[str, Any], person: Person) -> None:
    res = api.patch(f"/api/saml-applications/{app['id']}", json={"nameIdFormat": PERSISTENT, "attributeMapping": {}})
    assert res.status_code == 200, res.text
    sp = service_provider(anon, app["id"])
    request_id, request = sp.create_authn_request(f"{server.base_url}/api/saml/{app['id']}/authn", binding=BINDING_HTTP_POST)
    encoded = base64.b64encode(str(request).encode()).decode()
    with browser(server) as c:
        first = c.post(f"/api/saml/{app['id']}/authn", data={"SAMLRequest": encoded})
        query = parse_qs(urlparse(location(first)).query)
        assert query["scope"] == ["openid profile"]
        form, _ = sign_in_to_form(server, c, first, person)
    assert "RelayState" not in form.fields
    parsed = sp.parse_authn_request_response(form.fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"})
    assert parsed.name_id.text == person.id and parsed.name_id.format == PERSISTENT
    assert attributes(parsed) == {"sub": [person.id], "name": ["Ann Lee"]}  # email needs the email scope


def test_authn_bad_input(server: Server, api: httpx.Client, anon: httpx.Client, app: dict[str, Any]) -> None:
    url = f"/api/saml/{app['id']}/authn"
    sp = service_provider(anon, app["id"])
    _, info = sp.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT)
    good = parse_qs(urlparse(dict(info["headers"])["Location"]).query)["SAMLRequest"][0]
    error(anon.get(url), 400, "guard.invalid_input")
    error(anon.get(url, params={"SAMLRequest": good, "RelayState": "r" * 513}), 400, "guard.invalid_input")
    for junk in ("", "not base64 at all", base64.b64encode(b"<x/>").decode(), base64.b64encode(b"<?xml><!DOCTYPE a [<!ENTITY b 'c'>]><a>&b;</a>").decode()):
        error(anon.get(url, params={"SAMLRequest": junk}), 400, "application.saml.invalid_saml_request")
        error(anon.post(url, data={"SAMLRequest": junk or "x"}), 400, "application.saml.invalid_saml_request")
    error(anon.post(url, data={}), 400, "guard.invalid_input")
    error(anon.post(url, data={"SAMLRequest": "A" * 300_000}), 400, "guard.invalid_input")
    form = {"content-type": "application/x-www-form-urlencoded"}
    error(anon.post(url, content=b"SAMLRequest=%ff%fe", headers=form), 400, "application.saml.invalid_saml_request")
    error(anon.post(url, json={"SAMLRequest": ""}), 400, "guard.invalid_input")
    error(anon.post(url, json={"SAMLRequest": 5}), 400, "guard.invalid_input")
    error(anon.get("/api/saml/nope/authn", params={"SAMLRequest": good}), 404, "entity.not_found")

    # An AuthnRequest from another SP.
    stranger = service_provider(anon, app["id"])
    stranger.config.entityid = "https://stranger.example.com"
    _, info = stranger.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT)
    error(anon.get(dict(info["headers"])["Location"].replace(server.base_url, "")), 400, "application.saml.auth_request_issuer_not_match")

    # An app not set up as an SP yet.
    api.patch(f"/api/saml-applications/{app['id']}", json={"entityId": None}).raise_for_status()
    error(anon.get(url, params={"SAMLRequest": good}), 400, "application.saml.entity_id_required")
    api.patch(f"/api/saml-applications/{app['id']}", json={"entityId": SP_ENTITY, "acsUrl": None}).raise_for_status()
    error(anon.get(url, params={"SAMLRequest": good}), 400, "application.saml.acs_url_required")


def test_callback_bad_input(server: Server, api: httpx.Client, anon: httpx.Client, app: dict[str, Any], person: Person) -> None:
    url = f"/api/saml-applications/{app['id']}/callback"
    error(anon.get(url), 400, "guard.invalid_input")
    error(anon.get(url, params={"code": "c", "error": "e"}), 400, "guard.invalid_input")
    error(anon.get(url, params={"error": "e", "state": "s"}), 400, "guard.invalid_input")
    error(anon.get(url, params={"error": "access_denied", "error_description": "no"}), 400, "oidc.invalid_request")
    error(anon.get(url, params={"code": "c", "redirectUri": "https://evil.example.com"}), 400, "oidc.invalid_redirect_uri")
    error(anon.get(url, params={"code": "c", "state": "s"}), 400, "application.saml.sp_initiated_saml_sso_session_not_found_in_cookies")
    error(anon.get(url, params={"code": "not-a-code"}), 400, "oidc.invalid_grant")
    error(anon.get("/api/saml-applications/nope/callback", params={"code": "c"}), 404, "entity.not_found")

    sp = service_provider(anon, app["id"])
    _, info = sp.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT)
    with browser(server) as c:
        first = c.get(dict(info["headers"])["Location"])
        state = parse_qs(urlparse(location(first)).query)["state"][0]
        error(c.get(url, params={"code": "c", "state": state + "x"}), 400, "application.saml.state_mismatch")
        c.cookies.set("_logto_sp_saml_sso_session_id", "gone")
        error(c.get(url, params={"code": "c", "state": state}), 400, "application.saml.sp_initiated_saml_sso_session_not_found")


def test_email_name_id_needs_an_email(server: Server, api: httpx.Client, anon: httpx.Client, app: dict[str, Any]) -> None:
    username, password = unique("noemail").replace("-", "_"), "Saml-pass-" + secrets.token_hex(6)
    res = api.post("/api/users", json={"username": username, "password": password})
    assert res.status_code == 200, res.text
    who = Person(res.json()["id"], username, password, "")
    sp = service_provider(anon, app["id"])
    _, info = sp.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT)
    with browser(server) as c:
        first = c.get(dict(info["headers"])["Location"])
        location(c.get(location(first)))
        r = password_sign_in(c, who.username, who.password)
        url = r.json()["redirectTo"]
        for _ in range(6):
            r = c.get(url)
            if r.status_code != 303 and r.status_code != 302:
                break
            url = location(r)
    error(r, 400, "application.saml.missing_email_address")



def test_encrypted_assertion(server: Server, api: httpx.Client, anon: httpx.Client, app: dict[str, Any], person: Person) -> None:
    """With `encryption`, the SP holding the key decrypts the assertion; an unreadable certificate
    is a 400, never a 500."""
    from authkeep.domain.saml_apps import key_and_certificate

    key, cert, _, _ = key_and_certificate(1)
    url = f"/api/saml-applications/{app['id']}"
    bogus = {"encryptAssertion": True, "encryptThenSign": False, "certificate": "-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----\n"}
    for encryption, ok in ((bogus, False), ({**bogus, "certificate": cert}, True)):
        api.patch(url, json={"encryption": encryption}).raise_for_status()
        sp = service_provider(anon, app["id"])
        request_id, info = sp.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT)
        with browser(server) as c:
            first = c.get(dict(info["headers"])["Location"])
            if not ok:
                location(c.get(location(first)))
                url_next = password_sign_in(c, person.username, person.password).json()["redirectTo"]
                for _ in range(6):
                    r = c.get(url_next)
                    if r.status_code not in (302, 303):
                        break
                    url_next = location(r)
                error(r, 400, "application.saml.invalid_certificate_pem_format")
                continue
            form, _ = sign_in_to_form(server, c, first, person)
        xml = base64.b64decode(form.fields["SAMLResponse"]).decode()
        assert "EncryptedAssertion" in xml and person.email not in xml
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "k.pem").write_text(key)
            Path(tmp, "c.pem").write_text(cert)
            holder = service_provider(anon, app["id"], [{"key_file": f"{tmp}/k.pem", "cert_file": f"{tmp}/c.pem"}])
            parsed = holder.parse_authn_request_response(form.fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"})
        assert parsed.name_id.text == person.email
