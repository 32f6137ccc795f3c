"""OIDC side: discovery, JWKS, the token endpoint and signing keys."""
