"""Rules for API resources and their scopes (Logto's resource.ts / resource.scope.ts)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.dberrors import map_db_error
from authkeep.domain.management_api import is_management_api
from authkeep.errors import LogtoError, not_exists_with_id, not_found
from authkeep.store import resources as store

_SPACE = re.compile(r"\s")


def is_unique_violation(exc: IntegrityError) -> bool:
    mapped = map_db_error(exc)
    return mapped is not None and mapped.code == "entity.unique_integrity_violation"


@asynccontextmanager
async def unique_as(error: LogtoError) -> AsyncIterator[None]:
    """A unique violation (a race past the explicit check) becomes `error`; the transaction
    then rolls back because the error leaves it."""
    try:
        yield
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise error from None
        raise


def nothing_to_update() -> LogtoError:
    # Logto sends an empty SET to the database, which slonik refuses as an invalid input.
    return LogtoError("entity.invalid_input", 422)


async def require(conn: AsyncConnection, tenant_id: str, resource_id: str) -> Row[Any]:
    row = await store.get_resource(conn, tenant_id, resource_id)
    if row is None:
        raise not_exists_with_id("resources", resource_id)
    return row


async def require_editable(conn: AsyncConnection, tenant_id: str, resource_id: str) -> Row[Any]:
    row = await require(conn, tenant_id, resource_id)
    if is_management_api(row.indicator):
        raise LogtoError("resource.cannot_modify_management_api", 400)
    return row


async def create(
    conn: AsyncConnection, tenant_id: str, name: str, indicator: str, ttl: int | None
) -> dict[str, Any]:
    taken = LogtoError("resource.resource_identifier_in_use", 422, indicator=indicator)
    if await store.find_by_indicator(conn, tenant_id, indicator):
        raise taken
    values = {
        "tenant_id": tenant_id,
        "id": ids.standard_id(),
        "name": name,
        "indicator": indicator,
        "is_default": False,
        "access_token_ttl": 3600 if ttl is None else ttl,
        "created_at": clock.now_ms(),
    }
    async with unique_as(taken):
        await store.insert_resource(conn, values)
    return values


async def update(
    conn: AsyncConnection, tenant_id: str, resource_id: str, changes: dict[str, Any]
) -> Row[Any]:
    await require_editable(conn, tenant_id, resource_id)
    if not changes:
        raise nothing_to_update()
    row = await store.update_resource(conn, tenant_id, resource_id, changes)
    if row is None:  # deleted by a concurrent request since `require`
        raise not_exists_with_id("resources", resource_id)
    return row


async def delete(conn: AsyncConnection, tenant_id: str, resource_id: str) -> None:
    row = await require(conn, tenant_id, resource_id)
    if is_management_api(row.indicator):
        raise LogtoError("resource.cannot_delete_management_api", 400)
    if not await store.delete_resource(conn, tenant_id, resource_id):  # a concurrent delete won
        raise not_exists_with_id("resources", resource_id)


async def set_default(
    conn: AsyncConnection, tenant_id: str, resource_id: str, is_default: bool
) -> Row[Any]:
    """At most one default per tenant: clear the old one first, in the same transaction.
    Allowed on the Management API too, as in Logto."""
    if not is_default:
        await require(conn, tenant_id, resource_id)
    elif await store.get_resource(conn, tenant_id, resource_id) is None:
        # Logto's transactional update finds no row: `entity.not_exists`, not the by-id lookup error.
        raise LogtoError("entity.not_exists", 404, name="resource")
    else:
        await store.lock_defaults(conn, tenant_id)
        await store.clear_default(conn, tenant_id)
    row = await store.update_resource(conn, tenant_id, resource_id, {"is_default": is_default})
    if row is None:
        raise not_exists_with_id("resources", resource_id)
    return row


def _check_scope_name(name: str) -> None:
    if _SPACE.search(name):
        raise LogtoError("scope.name_with_space", 400)


async def create_scope(
    conn: AsyncConnection, tenant_id: str, resource_id: str, name: str, description: str | None
) -> dict[str, Any]:
    _check_scope_name(name)  # before the lookup, as in Logto
    await require_editable(conn, tenant_id, resource_id)
    taken = LogtoError("scope.name_exists", 422, name=name)
    if await store.scope_name_taken(conn, tenant_id, resource_id, name):
        raise taken
    values = {
        "tenant_id": tenant_id,
        "id": ids.standard_id(),
        "resource_id": resource_id,
        "name": name,
        "description": description,
        "created_at": clock.now_ms(),
    }
    async with unique_as(taken):
        await store.insert_scope(conn, values)
    return values


async def update_scope(
    conn: AsyncConnection, tenant_id: str, resource_id: str, scope_id: str, changes: dict[str, Any]
) -> Row[Any]:
    await require_editable(conn, tenant_id, resource_id)
    name = changes.get("name")
    taken = LogtoError("scope.name_exists", 422, name=name)
    if name is not None:
        _check_scope_name(name)
        if await store.scope_name_taken(conn, tenant_id, resource_id, name, exclude_id=scope_id):
            raise taken
    if not changes:
        raise nothing_to_update()
    async with unique_as(taken):
        row = await store.update_scope(conn, tenant_id, resource_id, scope_id, changes)
    if row is None:
        # Logto updates by scope id alone; we also require the scope to belong to the resource.
        raise LogtoError("entity.not_exists", 404, name="scope")
    return row


async def delete_scope(
    conn: AsyncConnection, tenant_id: str, resource_id: str, scope_id: str
) -> None:
    await require_editable(conn, tenant_id, resource_id)
    if not await store.delete_scope(conn, tenant_id, resource_id, scope_id):
        raise not_found()
