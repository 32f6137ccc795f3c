"""POST /api/users/bulk: an authkeep extension creating up to 1,000 users in one request, with
one answer per item and one `User.Created` webhook per created user (docs/bulk-users.md).

`parse_item` is also what `authkeep users import` runs on each line of its file.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, ValidationError

from authkeep import guard, web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.common import user_wire
from authkeep.api.users.schemas import CreateUser
from authkeep.domain import users_bulk
from authkeep.errors import LogtoError
from authkeep.hooks import many

MAX_ITEMS = 1000
_ID = re.compile(r"[A-Za-z0-9_-]{1,12}")
router = ApiRouter(policy="management", family="users")


class BulkUsers(web.Body):
    users: list[Any] = Field(max_length=MAX_ITEMS)


def parse_item(index: int, raw: Any, *, extended: bool = False) -> users_bulk.Item:
    """A POST /api/users body as an `Item` (400 `guard.invalid_input` as that route answers).
    `extended` (the CLI import) also takes `id` and `createdAt`, as `users export` writes them."""
    body = guard.validate(CreateUser, raw, "body")
    given = body.model_fields_set
    values: dict[str, Any] = {}
    for key in ("username", "primary_email", "name", "avatar"):
        if key in given and getattr(body, key) is not None:
            values[key] = getattr(body, key)
    if body.primary_phone:
        values["primary_phone"] = body.primary_phone
    if "custom_data" in given and body.custom_data is not None:
        values["custom_data"] = body.custom_data
    if "profile" in given and body.profile is not None:
        values["profile"] = body.profile.wire()
    if extended:
        values.update(_extended(raw))
    return users_bulk.Item(index, values, body.password, body.password_digest, body.password_algorithm)


def _extended(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    user_id, created = raw.get("id"), raw.get("createdAt")
    if user_id is not None:
        if not isinstance(user_id, str) or not _ID.fullmatch(user_id):
            raise _invalid("id", "Expected 1 to 12 characters of A-Z, a-z, 0-9, _ or -")
        out["id"] = user_id
    if created is not None:
        if isinstance(created, bool) or not isinstance(created, int) or not 0 <= created < 2**53:
            raise _invalid("createdAt", "Expected epoch milliseconds")
        out["created_at"] = out["updated_at"] = created
    return out


def _invalid(key: str, message: str) -> LogtoError:
    issue = {"code": "custom", "path": [key], "message": message}
    return LogtoError(
        "guard.invalid_input", 400, data={"issues": [issue], "name": "ZodError"},
        details=f'Error in key path "{key}": (custom) {message}', type="body",
    )  # fmt: skip


def error_wire(exc: LogtoError) -> dict[str, Any]:
    """An item's error: Logto's `code` and `message`, and `details` when the error has them."""
    out: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.details:
        out["details"] = exc.details
    return out


@router.post("/users/bulk", body=BulkUsers, status=200)
async def create_users(ctx: Ctx) -> list[dict[str, Any]]:
    body: BulkUsers = ctx.body
    items: list[users_bulk.Item] = []
    answers: dict[int, dict[str, Any]] = {}
    for index, raw in enumerate(body.users):
        try:
            items.append(parse_item(index, raw))
        except LogtoError as exc:
            answers[index] = {"index": index, "error": error_wire(exc)}
        except ValidationError as exc:  # defensive: validate() converts these
            answers[index] = {"index": index, "error": error_wire(guard.invalid_input("body", exc))}
    event_context = many.context(ctx.request, "/users/bulk")
    hooked = 0

    async def emit(conn: Any, rows: list[dict[str, Any]]) -> None:
        nonlocal hooked
        hooked += await many.add_each(ctx.db, conn, ctx.tenant_id, "User.Created", event_context, [user_wire(r) for r in rows])

    for result in await users_bulk.create_many(ctx.db, ctx.tenant_id, items, on_created=emit):
        if result.error is not None:
            answers[result.index] = {"index": result.index, "error": error_wire(result.error)}
        else:
            answers[result.index] = {"index": result.index, "id": result.id}
    worker = getattr(ctx.request.app.state, "hook_worker", None)
    if hooked and worker is not None:
        worker.wake()
    return [answers[i] for i in range(len(body.users))]
