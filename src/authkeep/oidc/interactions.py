"""OIDC interactions: what `/oidc/auth` started and the Experience API (or consent) finishes.

One row per interaction (model `Interaction`, id = uid, store/oidc_models.py). The payload:
- `params`: the authorization request's parameters (`resource` a list);
- `prompt`: `{name: login|consent, reasons, details}`;
- `session`: the browser's session when the interaction began (`{id, accountId}`), or None;
- `experience`: the Experience API's state (api/experience owns its shape), None before `PUT /api/experience`;
- `result`: None until finished; `{login: {accountId, ts}}` and/or `{consent: {...}}`.

The browser holds the uid in `_interaction` (path `/`) and `_interaction_resume`
(path `/oidc/auth/<uid>`), as Logto does; `GET /oidc/auth/<uid>` resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock
from authkeep.oidc import opaque
from authkeep.store import oidc_models
from authkeep.store.db import Database

MODEL = "Interaction"
TTL_S = 3600  # Logto: 1 hour
COOKIE = "_interaction"
RESUME_COOKIE = "_interaction_resume"


@dataclass
class Interaction:
    uid: str
    client_id: str
    params: dict[str, Any]
    prompt: dict[str, Any]
    expires_at: int
    session: dict[str, Any] | None = None
    experience: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # anything else kept in the payload

    def payload(self) -> dict[str, Any]:
        return {
            **self.extra, "uid": self.uid, "params": self.params, "prompt": self.prompt, "session": self.session,
            "experience": self.experience, "result": self.result,
        }  # fmt: skip

    @classmethod
    def from_instance(cls, found: oidc_models.Instance) -> Interaction:
        data = dict(found.payload)
        known = {k: data.pop(k, None) for k in ("uid", "params", "prompt", "session", "experience", "result")}
        return cls(
            uid=found.id, client_id=found.client_id or "", params=known["params"] or {}, prompt=known["prompt"] or {},
            expires_at=found.expires_at, session=known["session"], experience=known["experience"],
            result=known["result"], extra=data,
        )  # fmt: skip

    def resume_url(self, issuer: str) -> str:
        """Where the browser goes when the interaction is finished (`redirectTo` of submit)."""
        return f"{issuer}/auth/{self.uid}"


async def create(
    conn: AsyncConnection,
    tenant_id: str,
    client_id: str,
    params: dict[str, Any],
    prompt: dict[str, Any],
    session: dict[str, Any] | None = None,
) -> Interaction:
    interaction = Interaction(
        uid=opaque.new_secret(), client_id=client_id, params=params, prompt=prompt,
        expires_at=clock.now_ms() + TTL_S * 1000, session=session,
    )  # fmt: skip
    await oidc_models.insert(
        conn, tenant_id, MODEL, interaction.uid, interaction.payload(), interaction.expires_at, client_id=client_id
    )
    return interaction


async def save(conn: AsyncConnection, tenant_id: str, interaction: Interaction) -> None:
    account = (interaction.result or {}).get("login", {}).get("accountId")
    await oidc_models.update_instance(
        conn, tenant_id, MODEL, interaction.uid, interaction.payload(), account_id=account
    )


async def find(conn: AsyncConnection, tenant_id: str, uid: str) -> Interaction | None:
    found = await oidc_models.find(conn, tenant_id, MODEL, uid, clock.now_ms())
    return Interaction.from_instance(found) if found is not None else None


async def remove(conn: AsyncConnection, tenant_id: str, uid: str) -> None:
    await oidc_models.remove(conn, tenant_id, MODEL, uid)


class InteractionLookup:
    """The `interaction` policy's lookup (auth/policies.py): the `_interaction` cookie's record."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def find_interaction(self, tenant_id: str, cookie: str) -> Interaction | None:
        if len(cookie) > 128:
            return None
        async with self.db.read() as conn:
            return await find(conn, tenant_id, cookie)
