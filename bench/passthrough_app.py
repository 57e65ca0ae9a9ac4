"""The floor for the proxy benchmark: a bare raw-ASGI + aiohttp passthrough, no policy at all.

It forwards the request body to the upstream and relays the answer (streamed or not), the way
the issue's "bare Python passthrough" reference did. Run it under the same uvicorn settings as
the gateway, in the same benchmark run, so the gateway's own cost can be told apart from what
the machine, uvicorn and aiohttp cost anyway. ``BENCH_UPSTREAM`` is the upstream's base URL.
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp

Scope = dict[str, Any]


class Passthrough:
    def __init__(self) -> None:
        self.upstream = os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:18001")
        self.http: aiohttp.ClientSession | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        assert self.http is not None
        async with self.http.post(
            self.upstream + scope["path"], data=body, headers={"content-type": "application/json"}
        ) as resp:
            content_type = resp.headers.get("content-type", "application/json").encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": resp.status,
                    "headers": [(b"content-type", content_type)],
                }
            )
            async for chunk in resp.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.http is not None:
                    await self.http.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


app = Passthrough()
