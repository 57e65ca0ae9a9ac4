"""Prompt-cache reads and writes are stored per call and shown in every usage report.

Before: Anthropic's cache writes (``cache_creation_input_tokens``) were priced but had no column
of their own, so no report could say how many prompt tokens went into the provider's cache.
Reads come from Anthropic's ``cache_read_input_tokens`` and OpenAI's
``prompt_tokens_details.cached_tokens``; both are part of ``prompt_tokens``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import make_account
from tests.integration.quotas.support import MASTER, quota_settings

PROMPT = "one two three four five six seven eight nine ten"
READ_GPT, READ_CLAUDE, WRITE_CLAUDE = 3, 2, 4


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models = tmp_path / "models.yaml"
    models.write_text(
        f"""
version: 1
aliases:
  gpt:
    price: {{input: 1.0, output: 2.0, cached_input: 0.5}}
    deployments: [{{provider: openai, model: gpt-fake, base_url: '{fake.base_url}/v1'}}]
  claude:
    price: {{input: 3.0, output: 15.0, cached_input: 0.3, cache_write: 3.75}}
    deployments: [{{provider: anthropic, model: claude-fake, base_url: '{fake.base_url}'}}]
""",
        encoding="utf-8",
    )
    limits = {"requests_per_minute": 100, "tokens_per_minute": 100_000, "max_concurrent": 10}
    return create_app(
        quota_settings(
            backend, models, {"free": limits}, quotas={"usage": {"flush_interval_s": 0.05}}
        )
    )


def _cache_fields(row: dict[str, Any]) -> tuple[int, int]:
    return int(row["cached_tokens"]), int(row["cache_write_tokens"])


async def test_cache_reads_and_writes_are_recorded_and_reported(
    client: httpx.AsyncClient, app_state: AppState, fake: FakeUpstream
) -> None:
    user = await make_account(client, "cache@example.com")
    fake.script("gpt-fake", cached_tokens=READ_GPT)
    fake.script("claude-fake", cached_tokens=READ_CLAUDE, cache_write_tokens=WRITE_CLAUDE)
    for stream in (False, True):
        chat = {"model": "gpt", "messages": [{"role": "user", "content": PROMPT}]}
        reply = await client.post(
            "/v1/chat/completions", json={**chat, "stream": stream}, headers=user.headers
        )
        assert reply.status_code == 200, reply.text
        message = {**chat, "model": "claude", "max_tokens": 50, "stream": stream}
        reply = await client.post("/v1/messages", json=message, headers=user.headers)
        assert reply.status_code == 200, reply.text
    assert await app_state.usage.wait_idle(10)

    mine = (await client.get("/users/me/usage", headers=user.headers)).json()
    assert _cache_fields(mine["totals"]) == (2 * (READ_GPT + READ_CLAUDE), 2 * WRITE_CLAUDE)
    per_model = {m["model"]: _cache_fields(m) for m in mine["by_model"]}
    assert per_model == {"gpt": (2 * READ_GPT, 0), "claude": (2 * READ_CLAUDE, 2 * WRITE_CLAUDE)}

    report = await client.get("/admin/usage?group_by=model", headers=MASTER)
    assert report.status_code == 200, report.text
    assert {i["model"]: _cache_fields(i) for i in report.json()["items"]} == per_model

    exported = await client.get("/admin/usage?group_by=model&format=csv", headers=MASTER)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["model"]: _cache_fields(r) for r in rows} == per_model

    dashboard = (await client.get("/admin/dashboard", headers=MASTER)).json()
    assert _cache_fields(dashboard) == (2 * (READ_GPT + READ_CLAUDE), 2 * WRITE_CLAUDE)
