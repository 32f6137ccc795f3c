"""The HTTP protocol's transport wrapper (authkeep/httpserver.py): one write per loop step."""

from __future__ import annotations

import asyncio
from typing import Any

from authkeep.httpserver import FLUSH_AT, OneWrite


class Fake:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.sent.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return f"extra:{name}"


def test_writes_of_one_step_go_out_together_and_in_order() -> None:
    async def scenario() -> None:
        fake = Fake()
        t = OneWrite(fake, asyncio.get_running_loop())  # type: ignore[arg-type]
        t.write(b"head\r\n\r\n")
        t.write(b"body")
        assert fake.sent == []
        await asyncio.sleep(0)
        assert fake.sent == [b"head\r\n\r\nbody"]
        t.write(b"next")
        t.close()  # a close sends what is waiting first
        assert fake.sent == [b"head\r\n\r\nbody", b"next"] and fake.closed
        await asyncio.sleep(0)
        assert fake.sent == [b"head\r\n\r\nbody", b"next"]
        assert t.get_extra_info("peername") == "extra:peername"

    asyncio.run(scenario())


def test_large_output_is_not_held_back() -> None:
    async def scenario() -> None:
        fake = Fake()
        t = OneWrite(fake, asyncio.get_running_loop())  # type: ignore[arg-type]
        t.write(b"h")
        t.write(b"x" * FLUSH_AT)
        assert fake.sent == [b"h" + b"x" * FLUSH_AT]
        chunk = b"y" * (FLUSH_AT // 4)
        for _ in range(4):
            t.write(chunk)
        assert b"".join(fake.sent[1:]) == chunk * 4  # a stream never piles up past FLUSH_AT
        fake.closed = True
        t.write(b"late")  # the peer went away: dropped, never written to a closed transport
        await asyncio.sleep(0)
        assert b"late" not in b"".join(fake.sent)

    asyncio.run(scenario())
