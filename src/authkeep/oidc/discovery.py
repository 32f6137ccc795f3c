"""Discovery and JWKS. Only what authkeep really implements is advertised (docs/compatibility.md)."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from authkeep.oidc.claims import CLAIMS_SUPPORTED, OIDC_SCOPES
from authkeep.state import AppState


def discovery_document(issuer: str) -> dict[str, object]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/me",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/session/end",
        "revocation_endpoint": f"{issuer}/token/revocation",
        "introspection_endpoint": f"{issuer}/token/introspection",
        "grant_types_supported": [
            "authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange",
        ],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES384"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "scopes_supported": list(OIDC_SCOPES),
        "claims_supported": CLAIMS_SUPPORTED,
        "claim_types_supported": ["normal"],
    }


async def openid_configuration(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    return Response(
        orjson.dumps(discovery_document(tenant.issuer)),
        media_type="application/json; charset=utf-8",
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def jwks(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    await tenant.keys.ensure_fresh()
    return Response(
        tenant.keys.jwks_body,
        media_type="application/jwk-set+json; charset=utf-8",
        headers={"Cache-Control": "no-cache, max-age=0, must-revalidate", "Access-Control-Allow-Origin": "*"},
    )
