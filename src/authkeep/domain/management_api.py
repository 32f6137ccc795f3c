"""The built-in Management API's ids and rules; defined in the store (seeding needs them)."""

from authkeep.store.management_api import (
    ACCESS_ROLE_NAME,
    ADMIN_ROLE_ID,
    ADMIN_ROLE_NAME,
    INTERNAL_PREFIX,
    RESOURCE_ID,
    SCOPE_ID,
    SCOPE_NAME,
    indicator,
    is_management_api,
)

__all__ = [
    "ACCESS_ROLE_NAME",
    "ADMIN_ROLE_ID",
    "ADMIN_ROLE_NAME",
    "INTERNAL_PREFIX",
    "RESOURCE_ID",
    "SCOPE_ID",
    "SCOPE_NAME",
    "indicator",
    "is_management_api",
]
