"""Brute-force protection (Logto's BasicSentinel): every password, code or one-time-token attempt
is recorded per identifier (its SHA-256) and, stricter than Logto, per client IP. `maxAttempts`
failures within an hour block the target for `lockoutDuration` minutes (sign-in experience
`sentinelPolicy`, Logto's defaults 100 and 60). Password, code and token attempts share one pool;
each MFA factor has its own. The verification always runs first, so a blocked caller spends the
same time as anyone else.

Environment overrides (tests, operators): AUTHKEEP_SENTINEL_MAX_ATTEMPTS,
AUTHKEEP_SENTINEL_LOCKOUT_MINUTES, AUTHKEEP_SENTINEL_IP_MAX_ATTEMPTS (default 10 x maxAttempts)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.store import sentinel as store

POOLED = ("Password", "VerificationCode", "OneTimeToken")
WINDOW_MS = 3600_000


@dataclass(frozen=True)
class Policy:
    max_attempts: int
    lockout_minutes: int
    ip_max_attempts: int


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def policy(sign_in_exp: dict[str, Any]) -> Policy:
    stored = sign_in_exp.get("sentinelPolicy") or {}
    attempts = _env_int("AUTHKEEP_SENTINEL_MAX_ATTEMPTS") or _positive(stored.get("maxAttempts")) or 100
    lockout = _env_int("AUTHKEEP_SENTINEL_LOCKOUT_MINUTES") or _positive(stored.get("lockoutDuration")) or 60
    per_ip = _env_int("AUTHKEEP_SENTINEL_IP_MAX_ATTEMPTS") or attempts * 10
    return Policy(attempts, lockout, per_ip)


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def target_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _pool(action: str) -> tuple[str, ...]:
    return POOLED if action in POOLED else (action,)


async def _decide(
    conn: AsyncConnection, tenant_id: str, kind: str, hashed: str, action: str, failed: bool, limit: int, lockout: int
) -> tuple[str, int]:
    now = clock.now_ms()
    pool = _pool(action)
    until = await store.blocked_until(conn, tenant_id, kind, hashed, pool, now)
    if until is not None:
        return "Blocked", until
    failures = await store.failures_since(conn, tenant_id, kind, hashed, pool, now - WINDOW_MS)
    if failures + (1 if failed else 0) >= limit:
        return "Blocked", now + lockout * 60_000
    return "Allowed", now


async def report(
    conn: AsyncConnection,
    tenant_id: str,
    rules: Policy,
    identifier: str,
    ip: str | None,
    action: str,
    failed: bool,
    payload: dict[str, Any],
) -> int | None:
    """Records the attempt for the identifier and the IP; the end of the block (epoch ms) when
    either is blocked, else None."""
    blocked: int | None = None
    targets = [("User", target_hash(identifier), rules.max_attempts)]
    if ip:
        targets.append(("Ip", target_hash(ip), rules.ip_max_attempts))
    for kind, hashed, limit in targets:
        await store.prune(conn, tenant_id, kind, hashed, clock.now_ms() - 2 * WINDOW_MS, clock.now_ms())
        decision, until = await _decide(conn, tenant_id, kind, hashed, action, failed, limit, rules.lockout_minutes)
        await store.insert(conn, {
            "tenant_id": tenant_id, "id": ids.standard_id(), "target_type": kind, "target_hash": hashed,
            "action": action, "action_result": "Failed" if failed else "Success", "payload": payload,
            "decision": decision, "decision_expires_at": until, "created_at": clock.now_ms(),
        })  # fmt: skip
        if decision == "Blocked":
            blocked = max(blocked or 0, until)
    return blocked


async def unblock(conn: AsyncConnection, tenant_id: str, target_type: str, targets: list[str]) -> None:
    """`POST /sentinel-activities/delete`: forgets the targets' attempts and blocks of the last
    hour, as Logto does (a block recorded earlier than that stays until it ends)."""
    hashes = sorted({target_hash(t) for t in targets})
    if hashes:
        await store.delete_recent(conn, tenant_id, target_type, hashes, clock.now_ms() - WINDOW_MS)
