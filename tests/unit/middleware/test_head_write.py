"""``HeadFirstTransport``: what a cycle writes in one loop iteration leaves in one write, and a
response's last bytes leave as soon as it completes."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import uvicorn
from uvicorn.server import ServerState

from llm_gateway.middleware.head_write import HeadFirstTransport
from llm_gateway.middleware.header_timeout import HeaderTimeoutProtocol


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        assert not self.closing, "write after close"
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True


def _wrap(raw: _Transport) -> HeadFirstTransport:
    return HeadFirstTransport(cast(asyncio.Transport, raw), asyncio.get_running_loop())


async def test_one_iterations_writes_leave_together_in_order() -> None:
    raw = _Transport()
    transport = _wrap(raw)
    for part in (b"head|", b"event1|", b"event2|", b"0\r\n\r\n"):
        transport.write(part)
    assert raw.writes == []  # held until the iteration's end
    await asyncio.sleep(0)
    assert raw.writes == [b"head|event1|event2|0\r\n\r\n"]
    transport.write(b"later")
    await asyncio.sleep(0)
    assert raw.writes[1:] == [b"later"]


async def test_close_sends_what_is_held_first() -> None:
    raw = _Transport()
    transport = _wrap(raw)
    transport.write(b"tail")
    transport.close()
    assert (raw.writes, raw.closing) == ([b"tail"], True)
    await asyncio.sleep(0)  # the scheduled flush finds nothing left
    assert raw.writes == [b"tail"]


async def test_nothing_is_written_once_the_connection_is_gone() -> None:
    raw = _Transport()
    transport = _wrap(raw)
    transport.write(b"unsent")
    raw.closing = True  # connection lost before the iteration ended
    await asyncio.sleep(0)
    assert raw.writes == []


class _Socket(_Transport):
    """Enough of a socket transport for uvicorn's protocol."""

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def test_the_last_bytes_leave_when_the_response_completes() -> None:
    raw = _Socket()
    on_wire_after_last_send: list[bytes] = []
    done = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello", "more_body": True})
        await send({"type": "http.response.body", "body": b"!"})
        # The endpoint's cleanup and the access log run here: the client must have it all.
        on_wire_after_last_send.extend(raw.writes)
        done.set()

    config = uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning")
    protocol = HeaderTimeoutProtocol(config, ServerState(), {})
    protocol.connection_made(cast(asyncio.Transport, raw))
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    await asyncio.wait_for(done.wait(), 5)
    assert len(on_wire_after_last_send) == 1  # head, body and terminator in one write
    assert on_wire_after_last_send[0].endswith(b"5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n")
    protocol.connection_lost(None)
