"""Verify Management API bearer tokens, with Logto's error codes (logto-facts §5).

ES384 verification costs about a millisecond, so verified tokens are cached until they expire.
The cache is keyed by the whole token string: a token that verified once is byte-identical
on reuse, and its expiry is re-checked on every hit.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections import OrderedDict
from dataclasses import dataclass

import orjson
from joserfc import jws
from joserfc.errors import JoseError

from authkeep.errors import LogtoError
from authkeep.oidc.signing_keys import KeyRing
from authkeep.store.signing_keys import ALGORITHMS


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    subject: str
    client_id: str | None
    scopes: tuple[str, ...]
    expires_at: int

    @property
    def kind(self) -> str:
        return "app" if self.subject == self.client_id else "user"


def _unauthorized(code: str, name: str, **extra: str) -> LogtoError:
    return LogtoError("auth.unauthorized", 401, data={"code": code, "name": name, **extra})


def _claim_failed(claim: str) -> LogtoError:
    return _unauthorized(
        "ERR_JWT_CLAIM_VALIDATION_FAILED", "JWTClaimValidationFailed", claim=claim, reason="check_failed"
    )


def _b64json(segment: str) -> dict[str, object]:
    padded = segment + "=" * (-len(segment) % 4)
    value = orjson.loads(base64.urlsafe_b64decode(padded))
    if not isinstance(value, dict):
        raise TypeError("not an object")
    return value


class BearerVerifier:
    def __init__(
        self, tenant_id: str, keys: KeyRing, issuer: str, audience: str | None, cache_size: int = 10_000
    ) -> None:
        self.tenant_id = tenant_id
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[Principal, str]] = OrderedDict()

    async def authenticate(self, header: str | None) -> Principal:
        if header is None:
            raise LogtoError("auth.authorization_header_missing", 401)
        # RFC 6750 §2.1: `Bearer` (any case), then spaces, then the token. Logto only checks the
        # prefix, so it takes `BearerX<token>` too (docs/compatibility.md).
        scheme, _, rest = header.partition(" ")
        if scheme.lower() != "bearer":
            raise LogtoError(
                "auth.authorization_token_type_not_supported", 401, data={"supportedTypes": ["Bearer"]}
            )
        token = rest.lstrip(" ")
        await self.keys.ensure_fresh()  # a key deleted on any instance is gone before we look
        now = int(time.time())
        cached = self._cache.get(token)
        if cached is not None:
            principal, kid = cached
            # A deleted key must stop its tokens even when they are cached.
            if principal.expires_at > now and self.keys.find(kid) is not None:
                return self._check_scope(principal)
            self._cache.pop(token, None)
        principal, kid = await self._verify(token, now)
        self._cache[token] = (principal, kid)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return self._check_scope(principal)

    @staticmethod
    def _check_scope(principal: Principal) -> Principal:
        if "all" not in principal.scopes:
            raise LogtoError("auth.forbidden", 403)
        return principal

    async def _verify(self, token: str, now: int) -> tuple[Principal, str]:
        parts = token.split(".")
        if len(parts) != 3:
            raise _unauthorized("ERR_JWS_INVALID", "JWSInvalid")
        try:
            header = _b64json(parts[0])
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
            raise _unauthorized("ERR_JWS_INVALID", "JWSInvalid") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS.values():
            raise _unauthorized("ERR_JOSE_ALG_NOT_ALLOWED", "JOSEAlgNotAllowed")
        kid = header.get("kid")
        key = await self.keys.find_or_reload(kid) if isinstance(kid, str) else None
        if key is None:
            raise _unauthorized("ERR_JWKS_NO_MATCHING_KEY", "JWKSNoMatchingKey")
        if alg != key.alg:  # the key, not the token, decides the algorithm
            raise _unauthorized("ERR_JOSE_ALG_NOT_ALLOWED", "JOSEAlgNotAllowed")
        try:
            obj = jws.deserialize_compact(token, key.key, algorithms=[key.alg])
        except JoseError as exc:
            if exc.error == "bad_signature":
                raise _unauthorized(
                    "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "JWSSignatureVerificationFailed"
                ) from None
            raise _unauthorized("ERR_JWS_INVALID", "JWSInvalid") from None
        except (ValueError, binascii.Error):
            raise _unauthorized("ERR_JWS_INVALID", "JWSInvalid") from None
        try:
            claims = orjson.loads(obj.payload)
        except orjson.JSONDecodeError:
            raise _unauthorized("ERR_JWT_INVALID", "JWTInvalid") from None
        if not isinstance(claims, dict):
            raise _unauthorized("ERR_JWT_INVALID", "JWTInvalid")
        if claims.get("iss") != self.issuer:
            raise _claim_failed("iss")
        aud = claims.get("aud")
        if self.audience is not None and not (aud == self.audience or (isinstance(aud, list) and self.audience in aud)):
            raise _claim_failed("aud")
        exp = claims.get("exp")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise _claim_failed("exp")
        if exp <= now:
            raise _unauthorized("ERR_JWT_EXPIRED", "JWTExpired", claim="exp", reason="check_failed")
        nbf = claims.get("nbf")
        if nbf is not None and (not isinstance(nbf, int) or nbf > now):
            raise _claim_failed("nbf")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise LogtoError("auth.jwt_sub_missing", 401)
        scope = claims.get("scope", "")
        if not isinstance(scope, str):
            raise _unauthorized("ERR_JWT_INVALID", "JWTInvalid")
        client_id = claims.get("client_id")
        principal = Principal(
            tenant_id=self.tenant_id,
            subject=sub,
            client_id=client_id if isinstance(client_id, str) else None,
            scopes=tuple(scope.split(" ")),
            expires_at=exp,
        )
        return principal, key.kid


async def verify_jwt(tenant_id: str, keys: KeyRing, issuer: str, audience: str | None, token: str) -> Principal:
    """A JWT the tenant signed, for any audience (None: any) and without the `all` scope rule: the
    Hasura webhook and the token exchange grant. Raises LogtoError as for Management API tokens."""
    await keys.ensure_fresh()
    principal, _ = await BearerVerifier(tenant_id, keys, issuer, audience, cache_size=0)._verify(token, int(time.time()))
    return principal
