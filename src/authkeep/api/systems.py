"""System constants (Logto tag "Systems"). `protectedApps.defaultDomain` comes from Logto Cloud's
protected-app provider; Logto OSS, and authkeep, answer 501 `application.protected_app_not_configured`."""

from __future__ import annotations

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain.applications import not_configured

router = ApiRouter(policy="management", family="configs")


@router.get("/systems/application")
async def application_constants(ctx: Ctx) -> None:
    raise not_configured()
