"""The coalescing helpers never leave a caller waiting: a failed run answers "unknown" (the change
feed) or "take the general path" (batched user creates), and the next call runs afresh."""

from __future__ import annotations

import asyncio
from typing import Any

from authkeep.store import users_create
from authkeep.store.changes import Coalesced
from authkeep.store.users import new_user_row


def test_coalesced_callers_share_runs_and_survive_a_failing_run() -> None:
    runs: list[str] = []

    async def op() -> bool:
        runs.append("run")
        await asyncio.sleep(0.01)
        if len(runs) == 1:
            raise RuntimeError("boom")
        return True

    async def go() -> tuple[list[bool], list[bool]]:
        barrier = Coalesced(op)
        first = await asyncio.wait_for(asyncio.gather(*(barrier() for _ in range(5))), 2)
        second = await asyncio.wait_for(asyncio.gather(*(barrier() for _ in range(5))), 2)
        return list(first), list(second)

    first, second = asyncio.run(go())
    assert first == [False] * 5 and second == [True] * 5
    assert len(runs) == 2  # five concurrent callers, one run each time


class _BrokenDatabase:
    """Stands in for the database at the one point that matters: the statement fails."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.calls = 0

    async def fetch_write(self, _sql: str, _args: list[Any], _families: tuple[str, ...]) -> list[Any]:
        self.calls += 1
        raise self.error


def test_a_failed_batch_sends_every_create_to_the_general_path() -> None:
    for error in (OSError("connection lost"), RuntimeError("unexpected")):
        db = _BrokenDatabase(error)

        async def go(db: _BrokenDatabase) -> list[Any]:
            rows = [new_user_row("default", {"username": f"u{i}"}) for i in range(10)]
            creates = (users_create.create(db, row, phones=()) for row in rows)  # type: ignore[arg-type]
            return list(await asyncio.wait_for(asyncio.gather(*creates), 2))

        assert asyncio.run(go(db)) == [None] * 10
        assert 1 <= db.calls <= 2
