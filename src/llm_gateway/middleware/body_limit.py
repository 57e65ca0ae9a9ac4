"""Reject request bodies over the configured size with 413, before they are read into memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llm_gateway.core.errors import render_error
from llm_gateway.core.exceptions import PayloadTooLargeError


class BodyLimitMiddleware:
    """Checks ``Content-Length`` up front and counts streamed (chunked) bodies as they arrive.

    A chunked body that crosses the limit gets the 413 sent from here; the app then sees a
    client disconnect and anything it tries to send afterwards is dropped.

    A body declared by one ``Content-Length`` within the limit, without ``Transfer-Encoding``,
    passes unwrapped: uvicorn (h11 and httptools alike) frames such a body by that length, so it
    can never cross the limit, and the two wrappers were pure per-message cost on every proxy
    call.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> PayloadTooLargeError:
        return PayloadTooLargeError(
            f"Request body exceeds the limit of {self.max_bytes} bytes", param="body"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        bounded = True
        for name, value in scope["headers"]:
            if name == b"content-length":
                if declared is None:
                    declared = value
                    if value.isdigit() and int(value) > self.max_bytes:
                        raise self._too_large()
                else:
                    bounded = False  # two lengths: let the server decide, keep counting
            elif name == b"transfer-encoding":
                bounded = False
        if bounded and declared is not None and declared.isdigit():
            await self.app(scope, receive, send)
            return
        received = 0
        rejected = False
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def counting_receive() -> Message:
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if started:
                        raise self._too_large()
                    rejected = True
                    await self._send_413(scope, send)
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counting_receive, guarded_send)

    async def _send_413(self, scope: Scope, send: Send) -> None:
        request_id = scope.get("state", {}).get("request_id")
        status, body, headers = render_error(
            self._too_large(), request_id=request_id, path=scope["path"]
        )
        headers.pop("x-request-id", None)  # the request-context middleware adds it
        raw = [(k.encode(), v.encode()) for k, v in headers.items()]
        raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
