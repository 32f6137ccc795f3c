"""Dashboard: user totals, new users per day with deltas, active-user curves (Logto's shapes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import unique
from tests.server import Server


@pytest.fixture
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


def test_totals_and_new_users(api: httpx.Client) -> None:
    before_total = api.get("/api/dashboard/users/total").json()["totalUserCount"]
    before_new = api.get("/api/dashboard/users/new").json()
    for _ in range(3):
        assert api.post("/api/users", json={"username": unique("d").replace("-", "_")}).status_code == 200
    assert api.get("/api/dashboard/users/total").json() == {"totalUserCount": before_total + 3}
    new = api.get("/api/dashboard/users/new").json()
    assert set(new) == {"today", "last7Days"}
    assert new["today"]["count"] == before_new["today"]["count"] + 3
    assert new["today"]["delta"] == before_new["today"]["delta"] + 3
    assert new["last7Days"]["count"] == before_new["last7Days"]["count"] + 3


def test_active_users_shape(api: httpx.Client) -> None:
    found = api.get("/api/dashboard/users/active", params={"date": "2026-03-01"})
    assert found.status_code == 200
    body = found.json()
    assert body["dauCurve"][0]["date"] == "2026-01-31" and body["dauCurve"][-1]["date"] == "2026-03-01"
    assert len(body["dauCurve"]) == 30 and all(p["count"] == 0 for p in body["dauCurve"])
    assert body["dau"] == body["wau"] == body["mau"] == {"count": 0, "delta": 0}
    today = api.get("/api/dashboard/users/active").json()
    assert today["dauCurve"][-1]["date"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert api.get("/api/dashboard/users/active", params={"date": "March"}).status_code == 400
    assert api.get("/api/dashboard/users/active", params={"date": "2026-02-30"}).status_code == 400
