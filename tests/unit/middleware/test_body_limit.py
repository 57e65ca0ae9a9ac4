"""The body limit skips its wrappers only for a body the server frames within the limit."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from llm_gateway.core.exceptions import PayloadTooLargeError
from llm_gateway.middleware.body_limit import BodyLimitMiddleware

LIMIT = 100


def _scope(*headers: tuple[bytes, bytes]) -> Scope:
    return {"type": "http", "method": "POST", "path": "/v1/chat/completions", "headers": [*headers]}


class _App:
    """Reads the whole body, then answers 200; remembers the callables it was given."""

    def __init__(self) -> None:
        self.receive: Receive | None = None
        self.send: Send | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.receive, self.send = receive, send
        while True:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _run(scope: Scope, chunks: list[bytes]) -> tuple[_App, list[Message], Receive, Send]:
    app = _App()
    sent: list[Message] = []
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> Message:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await BodyLimitMiddleware(app, max_bytes=LIMIT)(scope, receive, send)
    return app, sent, receive, send


def _statuses(sent: list[Message]) -> list[Any]:
    return [m["status"] for m in sent if m["type"] == "http.response.start"]


async def test_a_declared_length_within_the_limit_passes_unwrapped() -> None:
    app, sent, receive, send = await _run(_scope((b"content-length", b"50")), [b"x" * 50])
    assert app.receive is receive
    assert app.send is send
    assert _statuses(sent) == [200]


async def test_a_declared_length_over_the_limit_is_refused_up_front() -> None:
    with pytest.raises(PayloadTooLargeError):
        await _run(_scope((b"content-length", b"101")), [b"x" * 101])


@pytest.mark.parametrize(
    "headers",
    [
        # Transfer-Encoding wins over Content-Length in framing: the body is counted.
        [(b"content-length", b"10"), (b"transfer-encoding", b"chunked")],
        [(b"transfer-encoding", b"chunked"), (b"content-length", b"10")],
        # Two lengths: which one frames is the server's choice, so the body is counted.
        [(b"content-length", b"10"), (b"content-length", b"5000")],
        # No length (chunked) and a malformed one: counted as before.
        [(b"transfer-encoding", b"chunked")],
        [(b"content-length", b"ten")],
    ],
)
async def test_a_body_not_framed_by_one_length_is_still_counted(
    headers: list[tuple[bytes, bytes]],
) -> None:
    app, sent, receive, _ = await _run(_scope(*headers), [b"y" * 60, b"y" * 60])
    assert app.receive is not receive
    assert _statuses(sent) == [413]  # the app's own 200 afterwards is dropped
