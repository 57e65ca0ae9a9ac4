"""The served console seen from outside the browser: its URL and the operator's master key.

Test setup that is not what a test is about (creating the admin account, looking up ids) goes
through the JSON API with the master key, as an operator's script would.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from playwright.async_api import BrowserContext

from tests.integration.clients.gateway import MASTER_KEY

PASSWORD = "correct horse battery staple"


class ContextFactory(Protocol):
    """The ``new_context`` fixture: a fresh browser context (desktop, English unless told)."""

    async def __call__(self, **options: Any) -> BrowserContext: ...


def unique_email(who: str) -> str:
    return f"{who}-{secrets.token_hex(3)}@example.com"


@dataclass(frozen=True)
class Console:
    base_url: str
    backend: str
    demo_upstream: str  # the bundled fake upstream the demo aliases call
    log: Path  # the gateway's JSON log, where the test environment "sends" e-mails

    async def mailed_link(self, to: str, attempts: int = 40) -> str:
        """The link in the newest e-mail to ``to`` (the log notifier writes it as one JSON line)."""
        for _ in range(attempts):
            text = await asyncio.to_thread(self.log.read_text, "utf-8", "replace")
            bodies = [
                str(record.get("body", ""))
                for line in text.splitlines()
                if line.startswith("{")
                and (record := json.loads(line)).get("event") == "notification"
                and record.get("to") == to
            ]
            links = re.findall(r"https?://\S+", bodies[-1]) if bodies else []
            if links:
                return str(links[0])
            await asyncio.sleep(0.25)
        raise AssertionError(f"no e-mail to {to} in {self.log}")

    async def pace_tokens(self, seconds: float) -> None:
        """Make the demo upstream stream like a real model: one word every ``seconds``."""
        async with httpx.AsyncClient(base_url=self.demo_upstream) as client:
            body = {"model": "*", "knobs": {"inter_token_s": seconds}}
            (await client.post("/_fake/script", json=body)).raise_for_status()

    def url(self, path: str) -> str:
        return self.base_url + path

    async def _api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {MASTER_KEY}"}
        async with httpx.AsyncClient(base_url=self.base_url, headers=headers) as client:
            response = await client.request(method, path, **kwargs)
        response.raise_for_status()
        return response

    async def register(self, email: str, password: str = PASSWORD) -> None:
        """An account made through the API (for tests about something else than registering)."""
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            response = await client.post(
                "/auth/register", json={"email": email, "password": password}
            )
        response.raise_for_status()

    async def user_id(self, email: str) -> str:
        page = (await self._api("GET", "/admin/users", params={"q": email})).json()
        ids = [row["id"] for row in page["items"] if row["email"] == email]
        assert len(ids) == 1, page
        return str(ids[0])

    async def make_admin(self, email: str, password: str = PASSWORD) -> None:
        """Register ``email`` and promote it (the operator's ``llm-gateway users promote``)."""
        await self.register(email, password)
        await self._api(
            "PATCH", f"/admin/users/{await self.user_id(email)}", json={"role": "admin"}
        )

    async def call_with_key(self, key: str) -> httpx.Response:
        """One OpenAI-style call with an API key, as a client program would make it."""
        body = {"model": "demo", "messages": [{"role": "user", "content": "ping"}]}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=60) as client:
            return await client.post(
                "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}
            )
