"""Wire shapes shared by the Users route modules."""

from __future__ import annotations

from typing import Any

from authkeep.store import rows


def user_wire(row: Any, *, include_hash: bool = False, sso: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out = rows.user_info(row)
    if sso is not None:
        out["ssoIdentities"] = sso
    if include_hash:
        m = row if isinstance(row, dict) else row._mapping
        out["passwordDigest"] = m["password_encrypted"]
        out["passwordAlgorithm"] = m["password_encryption_method"]
    return out
