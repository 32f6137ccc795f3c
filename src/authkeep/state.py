"""Process-wide state built at startup: settings, database, secret box and per-tenant keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from authkeep.auth.bearer import BearerVerifier
from authkeep.auth.policies import InteractionLookup, TokenLookup
from authkeep.cache import WriteAwareCache
from authkeep.config import Settings
from authkeep.domain import management_api
from authkeep.oidc.signing_keys import KeyRing
from authkeep.ratelimit import RateLimiter, RateLimitItem, parse_limit
from authkeep.respcache import ResponseCache
from authkeep.secretbox import SecretBox
from authkeep.store.db import Database

DEFAULT_TENANT = "default"
# The table families the token endpoint's caches read (store/events.py).
CLIENT_FAMILIES = ("applications",)
GRANT_FAMILIES = ("applications", "roles", "resources", "organizations")


@dataclass
class TenantState:
    id: str
    issuer: str
    keys: KeyRing
    verifier: BearerVerifier
    clients: WriteAwareCache[tuple[str, str], Any]
    grants: WriteAwareCache[tuple[str, str | None], Any]


@dataclass
class AppState:
    settings: Settings
    db: Database
    box: SecretBox
    tenants: dict[str, TenantState] = field(default_factory=dict)
    limiter: RateLimiter | None = None
    api_limit: RateLimitItem | None = None
    token_limit: RateLimitItem | None = None
    responses: ResponseCache = field(init=False)
    # Set by whatever issues end-user tokens and experience interactions (auth/policies.py).
    user_tokens: TokenLookup | None = None
    interactions: InteractionLookup | None = None

    def __post_init__(self) -> None:
        self.responses = ResponseCache(self.db, self.settings.response_cache_seconds)
        self.api_limit = parse_limit(self.settings.rate_limit)
        self.token_limit = parse_limit(self.settings.token_rate_limit)
        if self.api_limit or self.token_limit:
            self.limiter = RateLimiter(self.settings.redis_url, self.settings.rate_limit_fail_open)

    def add_tenant(self, tenant_id: str) -> TenantState:
        keys = KeyRing(self.db, self.box, tenant_id)
        issuer = self.settings.issuer
        verifier = BearerVerifier(
            tenant_id, keys, issuer, management_api.indicator(tenant_id), self.settings.token_cache_size
        )
        ttl = self.settings.client_cache_seconds
        clients: WriteAwareCache[tuple[str, str], Any] = WriteAwareCache(self.db, ttl, CLIENT_FAMILIES)
        grants: WriteAwareCache[tuple[str, str | None], Any] = WriteAwareCache(self.db, ttl, GRANT_FAMILIES)
        tenant = TenantState(tenant_id, issuer, keys, verifier, clients, grants)
        self.tenants[tenant_id] = tenant
        return tenant

    def tenant_for(self, request: Request) -> TenantState:
        """OSS mode: one tenant per server, `default`."""
        return self.tenants[DEFAULT_TENANT]
