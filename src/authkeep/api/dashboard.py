"""Dashboard routes (Logto tag "Dashboard"). Days are UTC days (Logto: the server's time zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.clock import now_ms
from authkeep.errors import LogtoError
from authkeep.store import dashboard as store

router = ApiRouter(policy="management", family="users")
DAY_MS = store.DAY_MS


class ActiveQuery(web.Query):
    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None


def _end_of_day(day: int) -> int:
    """The last millisecond of UTC day number `day`."""
    return (day + 1) * DAY_MS - 1


def _date(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day)).isoformat()


@router.get("/dashboard/users/total", cache=False)
async def total(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        return {"totalUserCount": await store.total_users(conn, ctx.tenant_id)}


@router.get("/dashboard/users/new", cache=False)
async def new_users(ctx: Ctx) -> Any:
    today = now_ms() // DAY_MS
    async with ctx.db.read() as conn:
        days = await store.new_users_by_day(conn, ctx.tenant_id, _end_of_day(today - 14), _end_of_day(today))
    last7 = sum(days.get(today - i, 0) for i in range(7))
    before = sum(days.get(today - 7 - i, 0) for i in range(7))
    return {
        "today": {"count": days.get(today, 0), "delta": days.get(today, 0) - days.get(today - 1, 0)},
        "last7Days": {"count": last7, "delta": last7 - before},
    }


@router.get("/dashboard/users/active", query=ActiveQuery, cache=False, reads=("users", "logs"))
async def active_users(ctx: Ctx) -> Any:
    if ctx.q.date is None:
        target = now_ms() // DAY_MS
    else:
        try:
            parsed = datetime.strptime(ctx.q.date, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise LogtoError("guard.invalid_input", 400, type="query") from None
        if parsed.year < 1900:  # the 60-day window must stay within dates Python can name
            raise LogtoError("guard.invalid_input", 400, type="query")
        target = int(parsed.timestamp()) // 86_400
    end = _end_of_day(target)
    tenant = ctx.tenant_id
    async with ctx.db.read() as conn:
        daily = await store.active_users_by_day(conn, tenant, _end_of_day(target - 30), end)
        prev_wau = await store.active_users(conn, tenant, _end_of_day(target - 14), _end_of_day(target - 7))
        wau = await store.active_users(conn, tenant, _end_of_day(target - 7), end)
        prev_mau = await store.active_users(conn, tenant, _end_of_day(target - 60), _end_of_day(target - 30))
        mau = await store.active_users(conn, tenant, _end_of_day(target - 30), end)
    dau = daily.get(target, 0)
    return {
        "dauCurve": [{"date": _date(target - 29 + i), "count": daily.get(target - 29 + i, 0)} for i in range(30)],
        "dau": {"count": dau, "delta": dau - daily.get(target - 1, 0)},
        "wau": {"count": wau, "delta": wau - prev_wau},
        "mau": {"count": mau, "delta": mau - prev_mau},
    }
