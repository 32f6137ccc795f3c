"""Enterprise SSO sign-in through a SAML identity provider, authkeep as the service provider
(Logto's sso/SamlConnector), with pysaml2: the AuthnRequest (HTTP-Redirect binding, RelayState),
then the IdP's response at the assertion consumer service, its signature (response or assertion)
verified by xmlsec1 against the IdP certificate of the connector's metadata, its audience,
destination, validity window and InResponseTo checked, and the attributes mapped to the user."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from xml.sax.saxutils import quoteattr

from authkeep.domain import sso_connectors as rules
from authkeep.domain import sso_idp as idp
from authkeep.domain.sso_oidc import failure
from authkeep.errors import LogtoError

XMLSEC = "/usr/bin/xmlsec1"
# pysaml2 is imported where used: it loads XML schemas, which would slow every server start.
BINDING_HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
INVALID = "Invalid SAML assertion"


async def idp_metadata_xml(config: dict[str, Any]) -> str:
    """The IdP's metadata document: fetched, given, or written from the manual fields (entity id,
    redirect SSO URL, certificate; element text only, no signature involved)."""
    parsed = rules.try_parse_config("SAML", config)
    if parsed is None:
        raise failure("invalid_config", config=config, message="invalid_connector_config")
    if "metadata" in parsed:
        idp.parse_metadata_xml(parsed["metadata"])  # refused as the Management API refuses it
        return str(parsed["metadata"])
    if "metadataUrl" in parsed:
        try:
            response = await idp._get(parsed["metadataUrl"])  # the same bounded fetch
        except Exception:  # noqa: BLE001
            raise failure("invalid_metadata", message="fail_to_fetch_config") from None
        if response.status_code >= 300:
            raise failure("invalid_metadata", message="fail_to_fetch_config")
        idp.parse_metadata_xml(response.text)
        return response.text
    meta = await idp.saml_idp_metadata(parsed)
    cert = "".join(meta["x509Certificate"].splitlines()[1:-1])
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID={quoteattr(meta["entityId"])}>'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        f'<md:SingleSignOnService Binding="{BINDING_HTTP_REDIRECT}" Location={quoteattr(meta["signInEndpoint"])}/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _client(sp: dict[str, str], metadata_xml: str) -> Any:
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    conf = SPConfig()
    conf.load({
        "entityid": sp["entityId"],
        "xmlsec_binary": XMLSEC,
        "metadata": {"inline": [metadata_xml]},
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(sp["assertionConsumerServiceUrl"], BINDING_HTTP_POST)]},
            "want_response_signed": False,
            "want_assertions_signed": False,
            "want_assertions_or_response_signed": True,
            "allow_unsolicited": False,
            "authn_requests_signed": False,
        }},
    })  # fmt: skip
    return Saml2Client(config=conf)


def _idp_entity_id(client: Any) -> str:
    found = list(client.metadata.identity_providers())
    if len(found) != 1:
        raise failure("invalid_metadata", message="invalid_connector_config")
    return str(found[0])


_SIGNING = threading.Lock()  # pysaml2's redirect signers are shared objects holding the key


def _sign_in_url(sp: dict[str, str], metadata_xml: str, relay_state: str, signing: tuple[str, str] | None) -> tuple[str, str]:
    try:
        client = _client(sp, metadata_xml)
        entity_id = _idp_entity_id(client)
        if signing is None:
            request_id, info = client.prepare_for_authenticate(
                entityid=entity_id, relay_state=relay_state, binding=BINDING_HTTP_REDIRECT
            )
        else:
            from cryptography.hazmat.primitives.serialization import load_pem_private_key
            from saml2.sigver import RSACrypto

            client.sec.sec_backend = RSACrypto(load_pem_private_key(signing[0].encode(), password=None))
            with _SIGNING:
                request_id, info = client.prepare_for_authenticate(
                    entityid=entity_id, relay_state=relay_state, binding=BINDING_HTTP_REDIRECT,
                    sign=True, sigalg=signing[1],
                )  # fmt: skip
    except LogtoError:
        raise
    except Exception:  # noqa: BLE001  (pysaml2 raises many types for bad metadata)
        raise failure("invalid_metadata", message="invalid_connector_config") from None
    location = dict(info["headers"]).get("Location")
    if not location:
        raise failure("invalid_metadata", message="invalid_connector_config")
    return str(location), str(request_id)


async def sign_in_url(
    sp: dict[str, str], metadata_xml: str, relay_state: str, signing: tuple[str, str] | None = None
) -> tuple[str, str]:
    """(the IdP's SSO URL carrying the AuthnRequest, the request id to expect in the response);
    `signing` = (SP private key PEM, signature algorithm URI) signs the redirect binding's query."""
    return await asyncio.to_thread(_sign_in_url, sp, metadata_xml, relay_state, signing)


def _assertion(sp: dict[str, str], metadata_xml: str, saml_response: str, request_id: str) -> dict[str, Any]:
    client = _client(sp, metadata_xml)
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: sp["assertionConsumerServiceUrl"]}
        )
    except Exception:  # noqa: BLE001  (signature, schema, status, time, audience: all refused alike)
        response = None
    if response is None or response.assertion is None:
        raise failure("authorization_failed", message=INVALID)
    assertion = response.assertion
    name_id = assertion.subject.name_id.text if assertion.subject and assertion.subject.name_id else None
    attributes: dict[str, Any] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [v.text for v in attribute.attribute_value or [] if v.text is not None]
            if attribute.name and values:
                attributes[attribute.name] = values[0] if len(values) == 1 else values
    return {"nameID": name_id, "attributes": attributes}


async def assertion(sp: dict[str, str], metadata_xml: str, saml_response: str, request_id: str) -> dict[str, Any]:
    """`{nameID, attributes}` of a verified response to our request; else 401
    `connector.authorization_failed` (Logto's answer to any invalid assertion)."""
    return await asyncio.to_thread(_assertion, sp, metadata_xml, saml_response, request_id)


def user_info(content: dict[str, Any], attribute_mapping: dict[str, str] | None) -> dict[str, Any]:
    """Logto's getUserInfoFromSamlAssertion: raw profile renamed by the attribute mapping (the
    defaults `id` <- nameID, `email` <- email, `name` <- name), `id` required, strings checked."""
    raw: dict[str, Any] = {**({"nameID": content["nameID"]} if content.get("nameID") else {}), **content["attributes"]}
    mapping = {**rules.DEFAULT_ATTRIBUTE_MAPPING, **(attribute_mapping or {})}
    source_to_key = {source: key for key, source in mapping.items()}
    mapped = {source_to_key.get(k, k): v for k, v in raw.items()}
    if not isinstance(mapped.get("id"), str) or any(
        k in mapped and not isinstance(mapped[k], str) for k in ("email", "phone", "name", "avatar")
    ):
        raise failure("authorization_failed", message=INVALID)
    return mapped
