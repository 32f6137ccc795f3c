"""The captcha provider's config, sealed at rest (it holds the provider's secret key)."""

from __future__ import annotations

from typing import Any

import orjson

from authkeep.secretbox import SecretBox
from authkeep.store import sign_in_exp as store


def _aad(tenant_id: str) -> str:
    return f"captcha:{tenant_id}"


def seal(box: SecretBox, tenant_id: str, config: dict[str, Any]) -> str:
    return box.seal(orjson.dumps(config).decode(), _aad(tenant_id))


def open_config(box: SecretBox, tenant_id: str, sealed: Any) -> dict[str, Any]:
    return dict(orjson.loads(box.open(sealed, _aad(tenant_id))))


async def public_config(box: SecretBox, conn: Any, tenant_id: str) -> dict[str, Any] | None:
    """What the sign-in page may see: never the secret key."""
    row = await store.get_captcha(conn, tenant_id)
    if row is None:
        return None
    config = open_config(box, tenant_id, row.config)
    out = {"type": config["type"], "siteKey": config["siteKey"]}
    if config["type"] == "RecaptchaEnterprise":
        out.update({k: config[k] for k in ("domain", "mode") if config.get(k)})
    return out
