# Generated from src/authkeep/sdk/_async/sign_in.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""Typed helpers for the sign-in configuration: sign-in experience, account center, custom
phrases, custom profile fields, captcha provider, tenant configs and the public well-known
documents. Each method wraps one OpenAPI operation; the docstring names it."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, cast

from authkeep.sdk._core import segment
from authkeep.sdk._sync._family import _Family

Json = dict[str, Any]


class SignInExperience(_Family):
    """`/api/sign-in-exp`."""

    def get(self) -> Json:
        """`GET /api/sign-in-exp`."""
        return cast(Json, self._client.get("/api/sign-in-exp"))

    def update(self, body: Json) -> Json:
        """`PATCH /api/sign-in-exp`: top-level keys replace the stored ones."""
        return cast(Json, self._client.patch("/api/sign-in-exp", json=body))

    def check_password(self, password: str, *, user_id: str | None = None) -> Json:
        """`POST /api/sign-in-exp/default/check-password`: `{result: true}`, or raises `LogtoError`
        with status 400 whose body holds `{result: false, issues}`."""
        body: Json = {"password": password}
        if user_id is not None:
            body["userId"] = user_id
        return cast(Json, self._client.post("/api/sign-in-exp/default/check-password", json=body))

    def username_case_conflicts(self, *, limit: int | None = None) -> Json:
        """`GET /api/sign-in-exp/username-policy/case-sensitivity-conflicts`."""
        path = "/api/sign-in-exp/username-policy/case-sensitivity-conflicts"
        return cast(Json, self._client.get(path, params={"limit": limit}))


class AccountCenter(_Family):
    """`/api/account-center`."""

    def get(self) -> Json:
        """`GET /api/account-center`."""
        return cast(Json, self._client.get("/api/account-center"))

    def update(self, body: Json) -> Json:
        """`PATCH /api/account-center`."""
        return cast(Json, self._client.patch("/api/account-center", json=body))


class CustomPhrases(_Family):
    """`/api/custom-phrases`."""

    def list(self) -> builtins.list[Json]:
        """`GET /api/custom-phrases`."""
        return cast("list[Json]", self._client.get("/api/custom-phrases"))

    def get(self, language_tag: str) -> Json:
        """`GET /api/custom-phrases/{languageTag}`."""
        return cast(Json, self._client.get(f"/api/custom-phrases/{segment(language_tag)}"))

    def upsert(self, language_tag: str, translation: Json) -> Json:
        """`PUT /api/custom-phrases/{languageTag}`."""
        path = f"/api/custom-phrases/{segment(language_tag)}"
        return cast(Json, self._client.put(path, json=translation))

    def delete(self, language_tag: str) -> None:
        """`DELETE /api/custom-phrases/{languageTag}`."""
        self._client.delete(f"/api/custom-phrases/{segment(language_tag)}")


class CustomProfileFields(_Family):
    """`/api/custom-profile-fields`."""

    def list(self) -> builtins.list[Json]:
        """`GET /api/custom-profile-fields`."""
        return cast("list[Json]", self._client.get("/api/custom-profile-fields"))

    def get(self, name: str) -> Json:
        """`GET /api/custom-profile-fields/{name}`."""
        return cast(Json, self._client.get(f"/api/custom-profile-fields/{segment(name)}"))

    def create(self, body: Json) -> Json:
        """`POST /api/custom-profile-fields`."""
        return cast(Json, self._client.post("/api/custom-profile-fields", json=body))

    def create_batch(self, fields: builtins.list[Json]) -> builtins.list[Json]:
        """`POST /api/custom-profile-fields/batch` (at most 20, all or none)."""
        path = "/api/custom-profile-fields/batch"
        return cast("list[Json]", self._client.post(path, json=builtins.list(fields)))

    def update(self, name: str, body: Json) -> Json:
        """`PUT /api/custom-profile-fields/{name}` (the whole field but its name)."""
        path = f"/api/custom-profile-fields/{segment(name)}"
        return cast(Json, self._client.put(path, json=body))

    def delete(self, name: str) -> None:
        """`DELETE /api/custom-profile-fields/{name}`."""
        self._client.delete(f"/api/custom-profile-fields/{segment(name)}")

    def set_sign_in_order(self, order: Sequence[Json]) -> builtins.list[Json]:
        """`POST /api/custom-profile-fields/properties/sie-order` with `[{name, sieOrder}]`."""
        path = "/api/custom-profile-fields/properties/sie-order"
        return cast("list[Json]", self._client.post(path, json={"order": builtins.list(order)}))


class CaptchaProvider(_Family):
    """`/api/captcha-provider`."""

    def get(self) -> Json:
        """`GET /api/captcha-provider`."""
        return cast(Json, self._client.get("/api/captcha-provider"))

    def put(self, config: Json) -> Json:
        """`PUT /api/captcha-provider`."""
        return cast(Json, self._client.put("/api/captcha-provider", json={"config": config}))

    def delete(self) -> None:
        """`DELETE /api/captcha-provider` (also turns the captcha policy off)."""
        self._client.delete("/api/captcha-provider")


class TenantConfigs(_Family):
    """`/api/configs/admin-console`, `/api/configs/id-token` and `/api/configs/cimd`."""

    def get_admin_console(self) -> Json:
        """`GET /api/configs/admin-console`."""
        return cast(Json, self._client.get("/api/configs/admin-console"))

    def update_admin_console(self, body: Json) -> Json:
        """`PATCH /api/configs/admin-console`."""
        return cast(Json, self._client.patch("/api/configs/admin-console", json=body))

    def get_id_token(self) -> Json:
        """`GET /api/configs/id-token`."""
        return cast(Json, self._client.get("/api/configs/id-token"))

    def update_id_token(self, body: Json) -> Json:
        """`PUT /api/configs/id-token`."""
        return cast(Json, self._client.put("/api/configs/id-token", json=body))

    def get_cimd(self) -> Json:
        """`GET /api/configs/cimd`."""
        return cast(Json, self._client.get("/api/configs/cimd"))

    def update_cimd(self, body: Json) -> Json:
        """`PATCH /api/configs/cimd`."""
        return cast(Json, self._client.patch("/api/configs/cimd", json=body))


class WellKnown(_Family):
    """The public documents of the sign-in page (no token needed, one is sent anyway)."""

    def sign_in_experience(self) -> Json:
        """`GET /api/.well-known/sign-in-exp`."""
        return cast(Json, self._client.get("/api/.well-known/sign-in-exp"))

    def experience(self) -> Json:
        """`GET /api/.well-known/experience`."""
        return cast(Json, self._client.get("/api/.well-known/experience"))

    def phrases(self, *, lng: str | None = None) -> Json:
        """`GET /api/.well-known/phrases`."""
        return cast(Json, self._client.get("/api/.well-known/phrases", params={"lng": lng}))

    def account_center(self) -> Json:
        """`GET /api/.well-known/account-center`."""
        return cast(Json, self._client.get("/api/.well-known/account-center"))
