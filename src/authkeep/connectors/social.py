"""The generic OIDC and OAuth 2 social connectors (Logto's `oidc` and `oauth2`). Their configs are
validated now; the sign-in use comes with the end-user flows."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from authkeep.connectors.base import SOCIAL, Config, Factory, text_item

Text = Annotated[str, Field(min_length=1)]


def _url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("Invalid url")
    return value


class OAuth2Config(Config):
    response_type: Literal["code"] = Field("code", alias="responseType")
    authorization_endpoint: Text = Field(alias="authorizationEndpoint")
    token_endpoint: Text = Field(alias="tokenEndpoint")
    user_info_endpoint: Text = Field(alias="userInfoEndpoint")
    client_id: Text = Field(alias="clientId")
    client_secret: Text = Field(alias="clientSecret")
    token_endpoint_auth_method: Literal["client_secret_post", "client_secret_basic"] = Field(
        "client_secret_post", alias="tokenEndpointAuthMethod"
    )
    token_endpoint_response_type: Literal["query-string", "json"] = Field("json", alias="tokenEndpointResponseType")
    scope: str | None = None
    profile_map: dict[str, str] | None = Field(None, alias="profileMap")
    custom_config: dict[str, str] | None = Field(None, alias="customConfig")

    _urls = field_validator("authorization_endpoint", "token_endpoint", "user_info_endpoint")(_url)


class IdTokenVerification(Config):
    jwks_uri: Text = Field(alias="jwksUri")
    issuer: str | list[str] | None = None
    audience: str | list[str] | None = None
    algorithms: list[str] | None = None

    _jwks = field_validator("jwks_uri")(_url)


class OidcConfig(Config):
    response_type: Literal["code"] = Field("code", alias="responseType")
    authorization_endpoint: Text = Field(alias="authorizationEndpoint")
    token_endpoint: Text = Field(alias="tokenEndpoint")
    client_id: Text = Field(alias="clientId")
    client_secret: Text = Field(alias="clientSecret")
    token_endpoint_auth_method: Literal["client_secret_post", "client_secret_basic"] = Field(
        "client_secret_post", alias="tokenEndpointAuthMethod"
    )
    scope: Text
    id_token_verification_config: IdTokenVerification = Field(alias="idTokenVerificationConfig")
    auth_request_optional_config: dict[str, str] | None = Field(None, alias="authRequestOptionalConfig")
    custom_config: dict[str, str] | None = Field(None, alias="customConfig")
    accept_string_typed_boolean_claims: bool = Field(False, alias="acceptStringTypedBooleanClaims")
    trust_unverified_email: bool = Field(False, alias="trustUnverifiedEmail")

    _urls = field_validator("authorization_endpoint", "token_endpoint")(_url)


def _common_items() -> list[dict[str, Any]]:
    return [
        text_item("authorizationEndpoint", "Authorization Endpoint", placeholder="<authorization-endpoint>"),
        text_item("tokenEndpoint", "Token Endpoint", placeholder="<token-endpoint>"),
        text_item("clientId", "Client ID", placeholder="<client-id>"),
        text_item("clientSecret", "Client Secret", placeholder="<client-secret>", isConfidential=True),
        {
            "key": "tokenEndpointAuthMethod",
            "label": "Token Endpoint Auth Method",
            "type": "Select",
            "required": True,
            "defaultValue": "client_secret_post",
            "selectItems": [
                {"value": "client_secret_post", "title": "client_secret_post"},
                {"value": "client_secret_basic", "title": "client_secret_basic"},
            ],
        },
    ]


OAUTH2 = Factory(
    id="oauth2",
    type=SOCIAL,
    target="oauth2",
    platform="Universal",
    is_standard=True,
    name="OAuth2",
    description="OAuth 2.0 is an industry-standard protocol for authorization.",
    model=OAuth2Config,
    secret_keys=("clientSecret",),
    form_items=[
        *_common_items(),
        text_item("userInfoEndpoint", "User Info Endpoint", placeholder="<user-info-endpoint>"),
        text_item("scope", "Scope", required=False, placeholder="<scope>"),
        {"key": "profileMap", "label": "Profile Map", "type": "Json", "required": False, "defaultValue": {"id": "id", "email": "email"}},
        {"key": "customConfig", "label": "Custom Config", "type": "Json", "required": False, "defaultValue": {}},
    ],
)
OIDC = Factory(
    id="oidc",
    type=SOCIAL,
    target="oidc",
    platform="Universal",
    is_standard=True,
    name="OIDC",
    description="OpenID Connect 1.0 is a simple identity layer on top of the OAuth 2.0 protocol.",
    model=OidcConfig,
    secret_keys=("clientSecret",),
    form_items=[
        *_common_items(),
        text_item("scope", "Scope", placeholder="openid profile email"),
        {
            "key": "idTokenVerificationConfig",
            "label": "ID Token Verification Config",
            "type": "Json",
            "required": True,
            "defaultValue": {"jwksUri": "<jwks-uri>"},
        },
        {"key": "authRequestOptionalConfig", "label": "Authentication Request Optional Config", "type": "Json", "required": False, "defaultValue": {}},
        {"key": "customConfig", "label": "Custom Config", "type": "Json", "required": False, "defaultValue": {}},
    ],
)
