"""A Python client for the Logto Management API (Logto Cloud, Logto OSS and authkeep).

Needs only `httpx`. The sync and async twins share one design::

    from authkeep.sdk import create_management_api

    mgmt = create_management_api(
        "default",
        client_id="…",
        client_secret="…",
        base_url="http://localhost:3001",
        api_indicator="https://default.logto.app/api",
    )
    for user in mgmt.api.users.iterate(page_size=100):
        print(user["id"], user["primaryEmail"])

See docs/sdk.md.
"""

from authkeep.sdk._async.client import AsyncManagementClient
from authkeep.sdk._async.credentials import AsyncClientCredentials
from authkeep.sdk._async.factory import AsyncManagementApi, create_async_management_api
from authkeep.sdk._async.paging import AsyncPager
from authkeep.sdk._core import (
    DEFAULT_LEEWAY,
    MANAGEMENT_API_SCOPE,
    NO_RETRY,
    AccessToken,
    Page,
    Retry,
    Search,
    cloud_api_indicator,
    cloud_base_url,
)
from authkeep.sdk._errors import LogtoError, LogtoSdkError, OAuthError, ScopeWarning
from authkeep.sdk._sync.client import ManagementClient
from authkeep.sdk._sync.credentials import ClientCredentials
from authkeep.sdk._sync.factory import ManagementApi, create_management_api
from authkeep.sdk._sync.paging import Pager

__all__ = [
    "DEFAULT_LEEWAY",
    "MANAGEMENT_API_SCOPE",
    "NO_RETRY",
    "AccessToken",
    "AsyncClientCredentials",
    "AsyncManagementApi",
    "AsyncManagementClient",
    "AsyncPager",
    "ClientCredentials",
    "LogtoError",
    "LogtoSdkError",
    "ManagementApi",
    "ManagementClient",
    "OAuthError",
    "Page",
    "Pager",
    "Retry",
    "ScopeWarning",
    "Search",
    "cloud_api_indicator",
    "cloud_base_url",
    "create_async_management_api",
    "create_management_api",
]
