"""Rules for roles and what they link to (Logto's role*.ts and libraries/role-scope.ts).

Unlike Logto, a role and its initial scopes are created in one transaction: a bad scope id
leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.domain.management_api import is_management_api
from authkeep.domain.resources import nothing_to_update, unique_as
from authkeep.errors import LogtoError, not_exists_with_id, not_found
from authkeep.store import roles as store

USER = "User"
M2M = "MachineToMachine"


def _unique(values: list[str]) -> list[str]:
    """Drop repeats, keep order (a repeated id would otherwise hit a unique index)."""
    return list(dict.fromkeys(values))


def _constraint() -> LogtoError:
    # What Logto's CHECK constraints on users_roles / applications_roles answer.
    return LogtoError("entity.db_constraint_violated", 422)


async def require(conn: AsyncConnection, tenant_id: str, role_id: str) -> Row[Any]:
    row = await store.get_role(conn, tenant_id, role_id)
    if row is None:
        raise not_exists_with_id("roles", role_id)
    return row


async def check_scopes(
    conn: AsyncConnection, tenant_id: str, role_type: str, scope_ids: list[str]
) -> None:
    if not scope_ids:
        return
    indicators = await store.scope_indicators(conn, tenant_id, scope_ids)
    for scope_id in scope_ids:
        if scope_id not in indicators:
            raise not_exists_with_id("scopes", scope_id)
    if role_type == USER and any(is_management_api(i) for i in indicators.values()):
        raise LogtoError("role.management_api_scopes_not_assignable_to_user_role", 400)


async def create(
    conn: AsyncConnection,
    tenant_id: str,
    name: str,
    description: str,
    role_type: str,
    is_default: bool,
    scope_ids: list[str],
) -> dict[str, Any]:
    taken = LogtoError("role.name_in_use", 422, name=name)
    if await store.name_taken(conn, tenant_id, name):
        raise taken
    scope_ids = _unique(scope_ids)
    await check_scopes(conn, tenant_id, role_type, scope_ids)
    values = {
        "tenant_id": tenant_id,
        "id": ids.standard_id(),
        "name": name,
        "description": description,
        "type": role_type,
        "is_default": is_default,
        "created_at": clock.now_ms(),
    }
    async with unique_as(taken):
        await store.insert_role(conn, values)
    await store.link_scopes(conn, tenant_id, values["id"], scope_ids)
    return values


async def update(
    conn: AsyncConnection, tenant_id: str, role_id: str, changes: dict[str, Any]
) -> Row[Any]:
    await require(conn, tenant_id, role_id)
    name = changes.get("name")
    taken = LogtoError("role.name_in_use", 422, name=name)
    if name is not None and await store.name_taken(conn, tenant_id, name, exclude_id=role_id):
        raise taken
    if not changes:
        raise nothing_to_update()
    async with unique_as(taken):
        row = await store.update_role(conn, tenant_id, role_id, changes)
    if row is None:  # deleted by a concurrent request since `require`
        raise not_exists_with_id("roles", role_id)
    return row


async def delete(conn: AsyncConnection, tenant_id: str, role_id: str) -> None:
    await require(conn, tenant_id, role_id)
    # Concurrent deletes all pass `require`; only the one that removed the row answers 204.
    if not await store.delete_role(conn, tenant_id, role_id):  # links cascade
        raise not_exists_with_id("roles", role_id)


async def add_scopes(
    conn: AsyncConnection, tenant_id: str, role_id: str, scope_ids: list[str]
) -> list[Row[Any]]:
    """Returns the role's whole scope list afterwards (Logto's deprecated response)."""
    role = await require(conn, tenant_id, role_id)
    linked = await store.linked_scope_ids(conn, tenant_id, role_id)
    for scope_id in scope_ids:
        if scope_id in linked:
            raise LogtoError("role.scope_exists", 422, scopeId=scope_id)
    scope_ids = _unique(scope_ids)
    await check_scopes(conn, tenant_id, role.type, scope_ids)
    async with unique_as(LogtoError("role.scope_exists", 422, scopeId=scope_ids[0])):
        await store.link_scopes(conn, tenant_id, role_id, scope_ids)
    return await store.role_scopes(conn, tenant_id, role_id)


async def remove_scope(conn: AsyncConnection, tenant_id: str, role_id: str, scope_id: str) -> None:
    if not await store.unlink_scope(conn, tenant_id, role_id, scope_id):
        raise not_found()


async def add_users(
    conn: AsyncConnection, tenant_id: str, role_id: str, user_ids: list[str]
) -> None:
    role = await require(conn, tenant_id, role_id)
    user_ids = _unique(user_ids)
    linked = await store.linked_members(conn, tenant_id, store.UR, role_id, user_ids)
    if linked:
        first = next(u for u in user_ids if u in linked)
        raise LogtoError("role.user_exists", 422, userId=first)
    found = await store.existing_users(conn, tenant_id, user_ids)
    if len(found) != len(user_ids):
        raise not_found()  # users answer entity.not_found, not not_exists_with_id
    if role.type != USER:
        raise _constraint()
    async with unique_as(LogtoError("role.user_exists", 422, userId=user_ids[0])):
        await store.link_members(conn, tenant_id, store.UR, role_id, user_ids)


async def add_applications(
    conn: AsyncConnection, tenant_id: str, role_id: str, app_ids: list[str]
) -> None:
    role = await require(conn, tenant_id, role_id)
    app_ids = _unique(app_ids)
    linked = await store.linked_members(conn, tenant_id, store.AR, role_id, app_ids)
    if linked:
        first = next(a for a in app_ids if a in linked)
        raise LogtoError("role.application_exists", 422, applicationId=first)
    types = await store.application_types(conn, tenant_id, app_ids)
    for app_id in app_ids:
        if app_id not in types:
            raise not_exists_with_id("applications", app_id)
    # Only M2M roles on M2M apps: the token endpoint grants what these links say.
    if role.type != M2M or any(t != M2M for t in types.values()):
        raise _constraint()
    async with unique_as(LogtoError("role.application_exists", 422, applicationId=app_ids[0])):
        await store.link_members(conn, tenant_id, store.AR, role_id, app_ids)


async def remove_user(conn: AsyncConnection, tenant_id: str, role_id: str, user_id: str) -> None:
    if not await store.unlink_member(conn, tenant_id, store.UR, role_id, user_id):
        raise not_found()


async def remove_application(
    conn: AsyncConnection, tenant_id: str, role_id: str, app_id: str
) -> None:
    if not await store.unlink_member(conn, tenant_id, store.AR, role_id, app_id):
        raise not_found()
