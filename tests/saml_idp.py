"""A SAML identity provider for tests, built with pysaml2's IdP side (saml2.server.Server): it
reads authkeep's AuthnRequest from the redirect URL and answers a signed response (xmlsec1)."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

SSO_URL = "https://idp.example.test/sso"


def key_and_cert(common_name: str) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256())
    )  # fmt: skip
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem_key, cert.public_bytes(serialization.Encoding.PEM)


class SamlIdp:
    """One IdP (entity id, signing key); `close()` removes its key files."""

    def __init__(self, entity_id: str = "https://idp.example.test/metadata") -> None:
        self.entity_id = entity_id
        self.dir = Path(tempfile.mkdtemp(prefix="authkeep-saml-idp-"))
        key, cert = key_and_cert("test idp")
        (self.dir / "key.pem").write_bytes(key)
        (self.dir / "cert.pem").write_bytes(cert)
        self.cert_pem = cert.decode()
        self.cert_body = "".join(self.cert_pem.strip().splitlines()[1:-1])
        self.sps: list[tuple[str, str]] = []
        self.server = self._server()

    def trust(self, sp_entity_id: str, acs_url: str) -> None:
        """Adds a service provider (its entity id and assertion consumer service URL)."""
        self.sps.append((sp_entity_id, acs_url))
        self.server = self._server()

    def _server(self) -> Server:
        sp_metadata = [
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'entityID="{entity_id}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            f'<md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location="{acs}" index="0"/>'
            "</md:SPSSODescriptor></md:EntityDescriptor>"
            for entity_id, acs in self.sps
        ]
        conf = IdPConfig()
        conf.load({
            "entityid": self.entity_id,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "key_file": str(self.dir / "key.pem"),
            "cert_file": str(self.dir / "cert.pem"),
            "metadata": {"inline": sp_metadata},
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"lifetime": {"minutes": 15}, "attribute_restrictions": None,
                                       "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"}},
            }},
        })  # fmt: skip
        return Server(config=conf)

    def metadata(self) -> str:
        return (
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{self.entity_id}">'
            '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            f"{self.cert_body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            f'<md:SingleSignOnService Binding="{BINDING_HTTP_REDIRECT}" Location="{SSO_URL}"/>'
            "</md:IDPSSODescriptor></md:EntityDescriptor>"
        )

    def read_request(self, url: str) -> tuple[Any, str]:
        """(the parsed AuthnRequest, RelayState) of authkeep's redirect to the IdP."""
        assert url.startswith(SSO_URL + "?"), url
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        request = self.server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
        return request.message, query.get("RelayState", "")

    def respond(self, request: Any, name_id: str, attributes: dict[str, list[str]], *,
                sign_response: bool = True, sign_assertion: bool = True, audience: str | None = None) -> str:  # fmt: skip
        """The base64 SAMLResponse answering `request` (signed as asked)."""
        response = self.server.create_authn_response(
            identity=attributes,
            in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=audience or request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=sign_response,
            sign_assertion=sign_assertion,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return base64.b64encode(str(response).encode()).decode()

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def tamper(saml_response: str, old: str, new: str) -> str:
    xml = base64.b64decode(saml_response).decode()
    assert old in xml, old
    return base64.b64encode(xml.replace(old, new).encode()).decode()


__all__ = ["BINDING_HTTP_POST", "SSO_URL", "SamlIdp", "key_and_cert", "tamper"]
