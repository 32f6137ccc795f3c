"""The webhook sender (hooks/sender.py) against small asyncio servers: keep-alive reuse, a
connection the server closed while idle, chunked answers, failures as SendError."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from authkeep.hooks.sender import Sender, SendError

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


async def _serve(reply: Reply) -> tuple[asyncio.Server, str, list[int]]:
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
                await reader.readexactly(length)
                if not await reply(reader, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook?x=1", connections


async def _keep_alive(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok")
    return True


async def _close_silently(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
    await writer.drain()
    return False  # closes without saying so: the next request on it must go to a new connection


async def _chunked(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    return True


def test_keep_alive_stale_connections_and_chunked_answers() -> None:
    async def run() -> None:
        sender = Sender(5, 8)
        server, url, connections = await _serve(_keep_alive)
        assert await sender.post(url, {"x-a": "1"}, b"{}") == (201, "ok")
        assert await sender.post(url, {}, b"{}") == (201, "ok")
        assert len(connections) == 1  # reused
        server.close()
        server, url, connections = await _serve(_close_silently)
        for _ in range(3):
            assert (await sender.post(url, {}, b"{}"))[0] == 200
            await asyncio.sleep(0.05)
        assert len(connections) == 3
        server.close()
        server, url, _ = await _serve(_chunked)
        assert await sender.post(url, {}, b"{}") == (500, "hello wo")  # cut at max_body
        server.close()
        sender.close()

    asyncio.run(run())


@pytest.mark.parametrize("url", ["ftp://x/", "not a url", "http://127.0.0.1:9/", "http://[::1/", "http:///path"])
def test_failures_are_send_errors(url: str) -> None:
    with pytest.raises(SendError):
        asyncio.run(Sender(2, 8).post(url, {}, b"{}"))


def test_bad_header_values_are_send_errors() -> None:
    async def run() -> None:
        server, url, _ = await _serve(_keep_alive)
        with pytest.raises(SendError):
            await Sender(2, 8).post(url, {"x-bad": "a\r\nb"}, b"{}")
        with pytest.raises(SendError):
            await Sender(2, 8).post(url, {"x-bad": "é"}, b"{}")
        server.close()

    asyncio.run(run())
