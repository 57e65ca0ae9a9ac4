"""Locust scenario: many users, each with its own API keys, mixing the gateway's request kinds.

Every simulated user registers an account, logs in and creates two API keys, then loops over:
chat completions through either key (buffered and streamed, the bulk of the traffic),
``"model": "auto"`` (the agent pipeline) and a ``/chat`` turn with its JWT. ``LLMGW_LOAD_MODEL``
names the alias to call (default ``bench``, the benchmark's canned upstream).

Headless for a bounded time (``make load`` or ``bench/proxy_bench.py`` runs it)::

    .venv/bin/locust -f tests/load/locustfile.py --headless -u 16 -r 16 -t 60s \\
        --host http://127.0.0.1:8000
"""

from __future__ import annotations

import os
import random
import secrets

from locust import FastHttpUser, between, task

MODEL = os.environ.get("LLMGW_LOAD_MODEL", "bench")
PROMPTS = ("Say hello.", "Summarize the plot of Hamlet in one line.", "What is 2 + 2?")


class GatewayUser(FastHttpUser):
    """One account with two keys; each task picks one of them, as real clients do."""

    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        email = f"load-{secrets.token_hex(6)}@example.com"
        password = secrets.token_urlsafe(16)
        self.client.post(
            "/auth/register", json={"email": email, "password": password}, name="/auth/register"
        )
        login = self.client.post(
            "/auth/login", json={"email": email, "password": password}, name="/auth/login"
        )
        self.jwt = login.json().get("access_token", "") if login.status_code == 200 else ""
        self.keys: list[str] = []
        for name in ("primary", "secondary"):
            made = self.client.post(
                "/users/me/api-keys",
                json={"name": name},
                headers={"authorization": f"Bearer {self.jwt}"},
                name="/users/me/api-keys",
            )
            if made.status_code == 201:
                self.keys.append(made.json()["key"])

    def _completion(self, model: str, *, stream: bool, name: str) -> None:
        key = random.choice(self.keys) if self.keys else ""
        body = {
            "model": model,
            "messages": [{"role": "user", "content": random.choice(PROMPTS)}],
            "max_tokens": 16,
            "stream": stream,
        }
        self.client.post(
            "/v1/chat/completions",
            json=body,
            headers={"authorization": f"Bearer {key}"},
            name=name,
        )

    @task(12)
    def chat_completion(self) -> None:
        self._completion(MODEL, stream=False, name="/v1/chat/completions")

    @task(6)
    def chat_completion_stream(self) -> None:
        self._completion(MODEL, stream=True, name="/v1/chat/completions stream")

    @task(1)
    def auto(self) -> None:
        self._completion("auto", stream=False, name="/v1/chat/completions auto")

    @task(1)
    def chat_turn(self) -> None:
        self.client.post(
            "/chat",
            json={"message": random.choice(PROMPTS), "stream": False, "use_tools": False},
            headers={"authorization": f"Bearer {self.jwt}"},
            name="/chat",
        )
