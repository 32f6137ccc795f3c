"""The built-in "Logto Management API" resource and its fixed ids (logto-facts §3).

Lives in the store because seeding and queries need it; `domain.management_api` re-exports it."""

import re

RESOURCE_ID = "management-api"
SCOPE_ID = "management-api-all"
SCOPE_NAME = "all"
ADMIN_ROLE_ID = "admin-role"
ADMIN_ROLE_NAME = "#internal:admin"
ACCESS_ROLE_NAME = "Logto Management API access"
INTERNAL_PREFIX = "#internal:"

_PROTECTED = re.compile(r"^https://[^.]+\.logto\.app/api$")


def indicator(tenant_id: str) -> str:
    """OSS uses `default`; Cloud-style tenants get `https://{tenant}.logto.app/api`."""
    return f"https://{tenant_id}.logto.app/api"


def is_management_api(resource_indicator: str) -> bool:
    """Logto protects any indicator shaped like a Management API, not only the seeded one."""
    return bool(_PROTECTED.match(resource_indicator))
