"""Helpers (no tests here): direct database writes for Users tests: rows whose own APIs are not part of the Users tag
(roles with a given type/default flag, organizations, SSO identities). Reads stay over HTTP."""

from __future__ import annotations

import asyncio
import re
import secrets
import sqlite3
import time
from typing import Any

from tests.server import Server


def _sqlite_path(url: str) -> str:
    return url.split("///", 1)[1]


async def _pg_execute(url: str, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            for sql, args in statements:
                n = 0

                def repl(_: Any) -> str:
                    nonlocal n
                    n += 1
                    return f"${n}"

                await conn.execute(re.sub(r"\?", repl, sql), *args)
    finally:
        await conn.close()


def execute(server: Server, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Run `?`-parameter statements in one transaction on the server's database."""
    if server.backend == "sqlite":
        conn = sqlite3.connect(_sqlite_path(server.database_url), timeout=30)
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            with conn:
                for sql, args in statements:
                    conn.execute(sql, args)
        finally:
            conn.close()
    else:
        asyncio.run(_pg_execute(server.database_url, statements))


def _id(n: int = 21) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _bool(server: Server, value: bool) -> Any:
    return int(value) if server.backend == "sqlite" else value


def create_role(server: Server, name: str, role_type: str = "User", is_default: bool = False, description: str = "d") -> str:
    role_id = _id()
    execute(
        server,
        [
            (
                "INSERT INTO roles (tenant_id, id, name, description, type, is_default, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ("default", role_id, name, description, role_type, _bool(server, is_default), int(time.time() * 1000)),
            )
        ],
    )
    return role_id


def set_role_default(server: Server, role_id: str, is_default: bool) -> None:
    execute(server, [("UPDATE roles SET is_default = ? WHERE id = ?", (_bool(server, is_default), role_id))])


def create_organization(server: Server, name: str, user_id: str, role_names: list[str]) -> str:
    org_id = _id(12)
    now = int(time.time() * 1000)
    stmts: list[tuple[str, tuple[Any, ...]]] = [
        (
            ("INSERT INTO organizations (tenant_id, id, name, description, custom_data, is_mfa_required, color, branding, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            ("default", org_id, name, None, "{}", _bool(server, False), "{}", "{}", now),
        ),
        (
            "INSERT INTO organization_user_relations (tenant_id, organization_id, user_id) VALUES (?, ?, ?)",
            ("default", org_id, user_id),
        ),
    ]
    for role_name in role_names:
        rid = _id()
        stmts.append(("INSERT INTO organization_roles (tenant_id, id, name, type) VALUES (?, ?, ?, ?)", ("default", rid, role_name, "User")))
        stmts.append(
            (
                "INSERT INTO organization_role_user_relations (tenant_id, organization_id, organization_role_id, user_id) VALUES (?, ?, ?, ?)",
                ("default", org_id, rid, user_id),
            )
        )
    if server.backend != "sqlite":
        stmts = [(sql.replace("VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES (?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?::jsonb, ?)"), a) for sql, a in stmts]
    execute(server, stmts)
    return org_id


def create_sso_identity(server: Server, user_id: str, connector_id: str) -> str:
    sid = _id()
    now = int(time.time() * 1000)
    cast = "?" if server.backend == "sqlite" else "?::jsonb"
    execute(
        server,
        [
            (
                ("INSERT INTO user_sso_identities (tenant_id, id, user_id, issuer, identity_id, detail, created_at, updated_at, sso_connector_id) "
                f"VALUES (?, ?, ?, ?, ?, {cast}, ?, ?, ?)"),
                ("default", sid, user_id, "https://idp.example", _id(), '{"email": "x@idp.example"}', now, now, connector_id),
            )
        ],
    )
    return sid
