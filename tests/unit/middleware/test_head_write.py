"""``HeadFirstTransport``: what a cycle writes in one loop iteration leaves in one write."""

from __future__ import annotations

import asyncio
from typing import cast

from llm_gateway.middleware.head_write import HeadFirstTransport


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
