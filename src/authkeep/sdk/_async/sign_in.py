"""Typed helpers for the sign-in configuration: sign-in experience, account center, custom
phrases, custom profile fields, captcha provider, tenant configs and the public well-known
documents. Each method wraps one OpenAPI operation; the docstring names it."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, cast

from authkeep.sdk._async._family import _Family
from authkeep.sdk._core import segment

Json = dict[str, Any]


class AsyncSignInExperience(_Family):
    """`/api/sign-in-exp`."""

    async def get(self) -> Json:
        """`GET /api/sign-in-exp`."""
        return cast(Json, await self._client.get("/api/sign-in-exp"))

    async def update(self, body: Json) -> Json:
        """`PATCH /api/sign-in-exp`: top-level keys replace the stored ones."""
        return cast(Json, await self._client.patch("/api/sign-in-exp", json=body))

    async def check_password(self, password: str, *, user_id: str | None = None) -> Json:
        """`POST /api/sign-in-exp/default/check-password`: `{result: true}`, or raises `LogtoError`
        with status 400 whose body holds `{result: false, issues}`."""
        body: Json = {"password": password}
        if user_id is not None:
            body["userId"] = user_id
        return cast(
            Json, await self._client.post("/api/sign-in-exp/default/check-password", json=body)
        )

    async def username_case_conflicts(self, *, limit: int | None = None) -> Json:
        """`GET /api/sign-in-exp/username-policy/case-sensitivity-conflicts`."""
        path = "/api/sign-in-exp/username-policy/case-sensitivity-conflicts"
        return cast(Json, await self._client.get(path, params={"limit": limit}))


class AsyncAccountCenter(_Family):
    """`/api/account-center`."""

    async def get(self) -> Json:
        """`GET /api/account-center`."""
        return cast(Json, await self._client.get("/api/account-center"))

    async def update(self, body: Json) -> Json:
        """`PATCH /api/account-center`."""
        return cast(Json, await self._client.patch("/api/account-center", json=body))


class AsyncCustomPhrases(_Family):
    """`/api/custom-phrases`."""

    async def list(self) -> builtins.list[Json]:
        """`GET /api/custom-phrases`."""
        return cast("list[Json]", await self._client.get("/api/custom-phrases"))

    async def get(self, language_tag: str) -> Json:
        """`GET /api/custom-phrases/{languageTag}`."""
        return cast(Json, await self._client.get(f"/api/custom-phrases/{segment(language_tag)}"))

    async def upsert(self, language_tag: str, translation: Json) -> Json:
        """`PUT /api/custom-phrases/{languageTag}`."""
        path = f"/api/custom-phrases/{segment(language_tag)}"
        return cast(Json, await self._client.put(path, json=translation))

    async def delete(self, language_tag: str) -> None:
        """`DELETE /api/custom-phrases/{languageTag}`."""
        await self._client.delete(f"/api/custom-phrases/{segment(language_tag)}")


class AsyncCustomProfileFields(_Family):
    """`/api/custom-profile-fields`."""

    async def list(self) -> builtins.list[Json]:
        """`GET /api/custom-profile-fields`."""
        return cast("list[Json]", await self._client.get("/api/custom-profile-fields"))

    async def get(self, name: str) -> Json:
        """`GET /api/custom-profile-fields/{name}`."""
        return cast(Json, await self._client.get(f"/api/custom-profile-fields/{segment(name)}"))

    async def create(self, body: Json) -> Json:
        """`POST /api/custom-profile-fields`."""
        return cast(Json, await self._client.post("/api/custom-profile-fields", json=body))

    async def create_batch(self, fields: builtins.list[Json]) -> builtins.list[Json]:
        """`POST /api/custom-profile-fields/batch` (at most 20, all or none)."""
        path = "/api/custom-profile-fields/batch"
        return cast("list[Json]", await self._client.post(path, json=builtins.list(fields)))

    async def update(self, name: str, body: Json) -> Json:
        """`PUT /api/custom-profile-fields/{name}` (the whole field but its name)."""
        path = f"/api/custom-profile-fields/{segment(name)}"
        return cast(Json, await self._client.put(path, json=body))

    async def delete(self, name: str) -> None:
        """`DELETE /api/custom-profile-fields/{name}`."""
        await self._client.delete(f"/api/custom-profile-fields/{segment(name)}")

    async def set_sign_in_order(self, order: Sequence[Json]) -> builtins.list[Json]:
        """`POST /api/custom-profile-fields/properties/sie-order` with `[{name, sieOrder}]`."""
        path = "/api/custom-profile-fields/properties/sie-order"
        return cast(
            "list[Json]", await self._client.post(path, json={"order": builtins.list(order)})
        )


class AsyncCaptchaProvider(_Family):
    """`/api/captcha-provider`."""

    async def get(self) -> Json:
        """`GET /api/captcha-provider`."""
        return cast(Json, await self._client.get("/api/captcha-provider"))

    async def put(self, config: Json) -> Json:
        """`PUT /api/captcha-provider`."""
        return cast(Json, await self._client.put("/api/captcha-provider", json={"config": config}))

    async def delete(self) -> None:
        """`DELETE /api/captcha-provider` (also turns the captcha policy off)."""
        await self._client.delete("/api/captcha-provider")


class AsyncTenantConfigs(_Family):
    """`/api/configs/admin-console`, `/api/configs/id-token` and `/api/configs/cimd`."""

    async def get_admin_console(self) -> Json:
        """`GET /api/configs/admin-console`."""
        return cast(Json, await self._client.get("/api/configs/admin-console"))

    async def update_admin_console(self, body: Json) -> Json:
        """`PATCH /api/configs/admin-console`."""
        return cast(Json, await self._client.patch("/api/configs/admin-console", json=body))

    async def get_id_token(self) -> Json:
        """`GET /api/configs/id-token`."""
        return cast(Json, await self._client.get("/api/configs/id-token"))

    async def update_id_token(self, body: Json) -> Json:
        """`PUT /api/configs/id-token`."""
        return cast(Json, await self._client.put("/api/configs/id-token", json=body))

    async def get_cimd(self) -> Json:
        """`GET /api/configs/cimd`."""
        return cast(Json, await self._client.get("/api/configs/cimd"))

    async def update_cimd(self, body: Json) -> Json:
        """`PATCH /api/configs/cimd`."""
        return cast(Json, await self._client.patch("/api/configs/cimd", json=body))


class AsyncWellKnown(_Family):
    """The public documents of the sign-in page (no token needed, one is sent anyway)."""

    async def sign_in_experience(self) -> Json:
        """`GET /api/.well-known/sign-in-exp`."""
        return cast(Json, await self._client.get("/api/.well-known/sign-in-exp"))

    async def experience(self) -> Json:
        """`GET /api/.well-known/experience`."""
        return cast(Json, await self._client.get("/api/.well-known/experience"))

    async def phrases(self, *, lng: str | None = None) -> Json:
        """`GET /api/.well-known/phrases`."""
        return cast(Json, await self._client.get("/api/.well-known/phrases", params={"lng": lng}))

    async def account_center(self) -> Json:
        """`GET /api/.well-known/account-center`."""
        return cast(Json, await self._client.get("/api/.well-known/account-center"))
