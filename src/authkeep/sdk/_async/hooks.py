"""Typed helpers for webhooks (Logto tag "Hooks"), audit logs ("Audit logs") and the dashboard
("Dashboard"). Each method wraps one OpenAPI operation; the docstring names it."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from authkeep.sdk._core import segment

if TYPE_CHECKING:
    from authkeep.sdk._async.client import AsyncManagementClient

Json = dict[str, Any]


class AsyncHooks:
    """`/api/hooks`."""

    def __init__(self, client: AsyncManagementClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def list(
        self,
        *,
        include_execution_stats: bool | None = None,
        page: int | None = None,
        page_size: int | None = None,
    ) -> builtins.list[Json]:
        """`GET /api/hooks` (every hook unless a page is asked for)."""
        params = {
            "includeExecutionStats": None
            if include_execution_stats is None
            else str(include_execution_stats).lower(),
            "page": page,
            "page_size": page_size,
        }
        return cast("list[Json]", await self._client.get("/api/hooks", params=params))

    async def get(self, hook_id: str, *, include_execution_stats: bool = False) -> Json:
        """`GET /api/hooks/{id}`."""
        params = {"includeExecutionStats": "true" if include_execution_stats else None}
        return cast(Json, await self._client.get(f"/api/hooks/{segment(hook_id)}", params=params))

    async def create(self, body: Json) -> Json:
        """`POST /api/hooks` (`events`, `config.url`; `name`, `config.headers`, `enabled`)."""
        return cast(Json, await self._client.post("/api/hooks", json=body))

    async def update(self, hook_id: str, body: Json) -> Json:
        """`PATCH /api/hooks/{id}`."""
        return cast(Json, await self._client.patch(f"/api/hooks/{segment(hook_id)}", json=body))

    async def delete(self, hook_id: str) -> None:
        """`DELETE /api/hooks/{id}`."""
        await self._client.delete(f"/api/hooks/{segment(hook_id)}")

    async def rotate_signing_key(self, hook_id: str) -> Json:
        """`PATCH /api/hooks/{id}/signing-key`: the hook with a new signing key."""
        return cast(Json, await self._client.patch(f"/api/hooks/{segment(hook_id)}/signing-key"))

    async def test(self, hook_id: str, events: Sequence[str], config: Json) -> None:
        """`POST /api/hooks/{id}/test`: a sample payload per event, sent while this waits."""
        body = {"events": list(events), "config": config}
        await self._client.post(f"/api/hooks/{segment(hook_id)}/test", json=body)

    async def recent_logs(
        self,
        hook_id: str,
        *,
        log_key: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        page: int | None = None,
        page_size: int | None = None,
    ) -> builtins.list[Json]:
        """`GET /api/hooks/{id}/recent-logs` (one page; the last 24 hours unless a window is given)."""
        params = {
            "logKey": log_key,
            "start_time": start_time,
            "end_time": end_time,
            "page": page,
            "page_size": page_size,
        }
        path = f"/api/hooks/{segment(hook_id)}/recent-logs"
        return cast("list[Json]", await self._client.get(path, params=params))


class AsyncAuditLogs:
    """`/api/logs` (Logto tag "Audit logs")."""

    def __init__(self, client: AsyncManagementClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def list(
        self,
        *,
        user_id: str | None = None,
        application_id: str | None = None,
        log_key: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        page: int | None = None,
        page_size: int | None = None,
    ) -> builtins.list[Json]:
        """One page of `GET /api/logs` (newest first)."""
        params = {
            "userId": user_id,
            "applicationId": application_id,
            "logKey": log_key,
            "start_time": start_time,
            "end_time": end_time,
            "page": page,
            "page_size": page_size,
        }
        return cast("list[Json]", await self._client.get("/api/logs", params=params))

    async def get(self, log_id: str) -> Json:
        """`GET /api/logs/{id}`."""
        return cast(Json, await self._client.get(f"/api/logs/{segment(log_id)}"))


class AsyncDashboard:
    """`/api/dashboard` (Logto tag "Dashboard")."""

    def __init__(self, client: AsyncManagementClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def total_users(self) -> Json:
        """`GET /api/dashboard/users/total`: `{totalUserCount}`."""
        return cast(Json, await self._client.get("/api/dashboard/users/total"))

    async def new_users(self) -> Json:
        """`GET /api/dashboard/users/new`: `{today, last7Days}`, each `{count, delta}`."""
        return cast(Json, await self._client.get("/api/dashboard/users/new"))

    async def active_users(self, *, date: str | None = None) -> Json:
        """`GET /api/dashboard/users/active` (`date` is `YYYY-MM-DD`, default today)."""
        return cast(
            Json, await self._client.get("/api/dashboard/users/active", params={"date": date})
        )
