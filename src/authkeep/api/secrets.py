"""The secret vault (Logto tag "Secrets"). Logto keeps social and enterprise SSO token sets there
when a connector has `enableTokenStorage` and the vault key (SECRET_VAULT_KEK) is set. authkeep has
no vault: token storage is refused (422 `request.feature_not_supported`, Logto's answer without the
key), so no secret exists and every delete is Logto's 404 for a missing row."""

from __future__ import annotations

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.errors import not_found

router = ApiRouter(policy="management", family="users")


@router.delete("/secrets/{id}")
async def delete_secret(ctx: Ctx) -> None:
    raise not_found()
