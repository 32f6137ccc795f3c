"""`GET/POST /api/interaction/consent` (policy `interaction`): what the consent page shows for a
third-party app, and the user's consent, which grants the missing scopes the app may ask for
and answers where the browser goes next (`{redirectTo}`: the interaction's resume URL)."""

from __future__ import annotations

from typing import Any

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.errors import LogtoError
from authkeep.oidc import interactions, resume
from authkeep.store import oidc_users

router = ApiRouter(policy="interaction", family="sessions")


def _consent_interaction(ctx: Ctx) -> interactions.Interaction:
    interaction: interactions.Interaction = ctx.auth
    if not interaction.session or interaction.prompt.get("name") != "consent":
        raise LogtoError("session.not_found", 400, message="Session not found.")
    return interaction


@router.get("/interaction/consent", cache=False)
async def consent_info(ctx: Ctx) -> dict[str, Any]:
    interaction = _consent_interaction(ctx)
    account = str((interaction.session or {}).get("accountId"))
    details = interaction.prompt.get("details") or {}
    async with ctx.db.read() as conn:
        app = await oidc_users.find_app(conn, ctx.tenant_id, interaction.client_id)
        user = await oidc_users.find_user(conn, ctx.tenant_id, account)
        if app is None or user is None:
            raise LogtoError("session.not_found", 400, message="Session not found.")
        missing_res = []
        for ind, names in (details.get("missingResourceScopes") or {}).items():
            found = await oidc_users.scope_details(conn, ctx.tenant_id, ind, list(names))
            if found is not None:
                missing_res.append(found)
    return {
        "application": {
            "id": app["id"], "name": app["name"], "description": app["description"], "type": app["type"],
            "isThirdParty": bool(app["is_third_party"]),
        },
        "user": {
            "id": user["id"], "name": user["name"], "avatar": user["avatar"], "username": user["username"],
            "primaryEmail": user["primary_email"], "primaryPhone": user["primary_phone"],
        },
        "organizations": [],
        "missingOIDCScope": [s for s in details.get("missingOIDCScope") or [] if s not in ("openid", "offline_access")],
        "missingResourceScopes": missing_res,
        "redirectUri": interaction.params.get("redirect_uri"),
    }  # fmt: skip


@router.post("/interaction/consent", status=200, body=dict)
async def give_consent(ctx: Ctx) -> dict[str, Any]:
    interaction = _consent_interaction(ctx)
    async with ctx.db.write() as conn:
        app = await oidc_users.find_app(conn, ctx.tenant_id, interaction.client_id)
        if app is None:
            raise LogtoError("session.not_found", 400, message="Session not found.")
        await resume.grant_consent(conn, ctx.tenant_id, app, interaction)
    return {"redirectTo": interaction.resume_url(ctx.tenant.issuer)}
