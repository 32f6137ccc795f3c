# Generated from src/authkeep/sdk/_async/_family.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""The base of every resource family: a typed view on one client."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authkeep.sdk._sync.client import ManagementClient


class _Family:
    def __init__(self, client: ManagementClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
