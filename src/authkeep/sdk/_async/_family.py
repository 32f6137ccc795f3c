"""The base of every resource family: a typed view on one client."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authkeep.sdk._async.client import AsyncManagementClient


class _Family:
    def __init__(self, client: AsyncManagementClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
