"""authkeep as a SAML identity provider for one SAML application, on pysaml2 (which signs with
xmlsec1): the IdP metadata, reading an SP's AuthnRequest, and the signed Response.

xmlsec1 reads keys from files: each call writes the key and certificate into a private temporary
directory (mode 0700) that is removed when the call returns. Calls block (xmlsec1 runs as a
subprocess): run them in a thread."""

from __future__ import annotations

import base64
import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, md, saml
from saml2.attribute_converter import AttributeConverterNOOP, do_ava, factory
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NameID
from saml2.server import Server
from saml2.sigver import EncryptError

from authkeep.errors import LogtoError

XMLSEC = "/usr/bin/xmlsec1"
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"


@dataclass(frozen=True)
class Urls:
    entity_id: str  # the IdP's entity ID: {endpoint}/saml/{id}
    sso: str  # {endpoint}/api/saml/{id}/authn
    callback: str  # the OIDC redirect URI: {endpoint}/api/saml-applications/{id}/callback


def urls(endpoint: str, app_id: str) -> Urls:
    base = endpoint.rstrip("/")
    return Urls(
        f"{base}/saml/{app_id}",
        f"{base}/api/saml/{app_id}/authn",
        f"{base}/api/saml-applications/{app_id}/callback",
    )


@dataclass(frozen=True)
class SamlApp:
    """What the IdP side needs of one application (Logto's SamlApplicationDetails)."""

    id: str
    endpoint: str
    certificate: str
    name_id_format: str
    sp_entity_id: str | None = None
    acs_url: str | None = None
    private_key: str | None = None
    encryption: dict[str, Any] | None = None


def _sp_metadata(app: SamlApp) -> str:
    acs = md.AssertionConsumerService(binding=BINDING_HTTP_POST, location=app.acs_url, index="0")
    sp = md.SPSSODescriptor(
        protocol_support_enumeration=_PROTOCOL, assertion_consumer_service=[acs]
    )
    return str(md.EntityDescriptor(entity_id=app.sp_entity_id, spsso_descriptor=sp))


class _AsMapped(AttributeConverterNOOP):  # type: ignore[misc]
    """Attributes under the names the mapping gives, case kept (pysaml2's NOOP lower-cases them)."""

    def to_(self, attrvals: dict[str, list[str]]) -> list[Any]:
        return [
            factory(saml.Attribute, name=key, name_format=self.name_format, attribute_value=do_ava(value))
            for key, value in attrvals.items()
        ]


@contextlib.contextmanager
def _config(app: SamlApp, with_sp: bool) -> Iterator[IdPConfig]:
    u = urls(app.endpoint, app.id)
    with tempfile.TemporaryDirectory(prefix="authkeep-saml-") as tmp:
        cert_file = Path(tmp, "cert.pem")
        cert_file.write_text(app.certificate)
        raw: dict[str, Any] = {
            "entityid": u.entity_id,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [
                            (u.sso, BINDING_HTTP_REDIRECT),
                            (u.sso, BINDING_HTTP_POST),
                        ]
                    },
                    "name_id_format": [app.name_id_format],
                    "want_authn_requests_signed": False,
                    # Attribute names as mapped, NameFormat basic; assertions valid 10 minutes (as Logto).
                    "policy": {"default": {"name_form": NAME_FORMAT_BASIC, "lifetime": {"minutes": 10}}},
                }
            },
            "cert_file": str(cert_file),
            "xmlsec_binary": XMLSEC,
        }
        if app.private_key is not None:
            key_file = Path(tmp, "key.pem")
            key_file.touch(mode=0o600)
            key_file.write_text(app.private_key)
            raw["key_file"] = str(key_file)
        if with_sp:
            raw["metadata"] = {"inline": [_sp_metadata(app)]}
        conf = IdPConfig()
        conf.load(raw)
        conf.attribute_converters = [_AsMapped(NAME_FORMAT_BASIC)]
        yield conf


def metadata(app: SamlApp) -> str:
    with _config(app, with_sp=False) as conf:
        return str(entity_descriptor(conf))


@dataclass(frozen=True)
class AuthnRequest:
    issuer: str
    id: str
    acs_url: str


def _invalid_request() -> LogtoError:
    return LogtoError("application.saml.invalid_saml_request", 400)


def parse_request(app: SamlApp, saml_request: str, redirect: bool) -> AuthnRequest:
    """Reads (inflates, for HTTP-Redirect) and checks an AuthnRequest; its fields as Logto's
    authRequestInfoGuard requires them (issuer, ID, AssertionConsumerServiceURL)."""
    binding = BINDING_HTTP_REDIRECT if redirect else BINDING_HTTP_POST
    with _config(app, with_sp=True) as conf:
        try:
            parsed = Server(config=conf).parse_authn_request(saml_request, binding)
        except Exception:  # noqa: BLE001  pysaml2 raises many kinds on hostile input; all mean "not a valid request"
            raise _invalid_request() from None
    message = getattr(parsed, "message", None)
    issuer = getattr(getattr(message, "issuer", None), "text", None)
    request_id, acs = (
        getattr(message, "id", None),
        getattr(message, "assertion_consumer_service_url", None),
    )
    if not issuer or not request_id or not acs:
        raise _invalid_request()
    return AuthnRequest(issuer.strip(), request_id, acs)


@contextlib.contextmanager
def _bad_encryption_certificate() -> Iterator[None]:
    try:
        yield
    except EncryptError:  # xmlsec1 could not read `encryption.certificate`
        raise LogtoError("application.saml.invalid_certificate_pem_format", 400) from None


def response(
    app: SamlApp, name_id: str, attributes: dict[str, list[str]], in_response_to: str | None
) -> str:
    """The signed (response and assertion, RSA-SHA256) SAML Response, base64 for the POST form."""
    assert app.acs_url is not None and app.sp_entity_id is not None
    extra: dict[str, Any] = {}
    enc = app.encryption or {}
    if enc.get("encryptAssertion") and enc.get("certificate"):
        extra = {
            "encrypt_assertion": True,
            "encrypt_cert_assertion": enc["certificate"],
            "encrypt_assertion_self_contained": True,
        }
    with _config(app, with_sp=True) as conf, _bad_encryption_certificate():
        server = Server(config=conf)
        built = server.create_authn_response(
            attributes,
            in_response_to=in_response_to,
            destination=app.acs_url,
            sp_entity_id=app.sp_entity_id,
            name_id=NameID(format=app.name_id_format, text=name_id),
            authn={"class_ref": PASSWORD_PROTECTED},
            sign_response=True,
            sign_assertion=True,
            sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            digest_alg="http://www.w3.org/2001/04/xmlenc#sha256",
            **extra,
        )
    return base64.b64encode(str(built).encode()).decode()
