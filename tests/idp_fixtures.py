"""A local identity provider's documents for SSO connector tests: an HTTP server thread answering
OIDC discovery (good, incomplete, failing) and SAML IdP metadata built around a real certificate."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def certificate_body(days: int = 365) -> str:
    """A self-signed certificate's base64 body (no PEM lines), as SAML metadata carries it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=2))
        .not_valid_after(now + dt.timedelta(days=days)).sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return "".join(pem.strip().splitlines()[1:-1])


def metadata_xml(entity_id: str, sso_url: str, cert: str) -> str:
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
        <ds:X509Certificate>{cert}</ds:X509Certificate>
      </ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{sso_url}/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


@dataclass
class Idp:
    url: str
    cert: str  # base64 body of the metadata's signing certificate

    @property
    def issuer(self) -> str:
        return f"{self.url}/good"


@contextmanager
def local_idp() -> Iterator[Idp]:
    state: dict[str, Idp] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = state["idp"].url
            if self.path == "/good/.well-known/openid-configuration":
                body = {
                    "issuer": f"{base}/good", "authorization_endpoint": f"{base}/auth", "token_endpoint": f"{base}/token",
                    "userinfo_endpoint": f"{base}/me", "jwks_uri": f"{base}/jwks", "response_types_supported": ["code"],
                }  # fmt: skip
                self._send(200, json.dumps(body), "application/json")
            elif self.path == "/partial/.well-known/openid-configuration":
                self._send(200, json.dumps({"issuer": f"{base}/partial"}), "application/json")
            elif self.path == "/huge/.well-known/openid-configuration":
                self._send(200, " " * (2 * 1024 * 1024) + "{}", "application/json")
            elif self.path == "/saml/metadata.xml":
                self._send(200, metadata_xml(f"{base}/saml", f"{base}/saml/sso", state["idp"].cert), "application/xml")
            else:
                self._send(500, "upstream down", "text/plain")

        def _send(self, status: int, body: str, kind: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["idp"] = Idp(f"http://127.0.0.1:{server.server_address[1]}", certificate_body())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["idp"]
    finally:
        server.shutdown()
        server.server_close()
