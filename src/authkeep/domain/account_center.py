"""Account center settings: Logto's defaults under the stored document."""

from __future__ import annotations

from typing import Any

from authkeep.store import sign_in_exp as store
from authkeep.store import tables_sign_in as S


def default(tenant_id: str) -> dict[str, Any]:
    """Logto's `createDefaultAccountCenter` with the table defaults."""
    return {
        "tenantId": tenant_id,
        "id": "default",
        "enabled": False,
        "fields": {},
        "webauthnRelatedOrigins": [],
        "deleteAccountUrl": None,
        "customCss": None,
        "profileFields": None,
    }


async def current(conn: Any, tenant_id: str) -> dict[str, Any]:
    stored = await store.get_document(conn, S.account_centers, tenant_id)
    return {**default(tenant_id), **(stored or {}), "tenantId": tenant_id, "id": "default"}
