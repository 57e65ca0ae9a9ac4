"""The shipped timeout defaults, scaled down in time: a hung deployment leaves room to fail over.

Before: ``timeouts.response_s`` and ``LLMGW_PROVIDERS__REQUEST_DEADLINE_S`` were both 300 s, so
one hung non-streamed attempt used the whole deadline and the alias's second deployment was
never tried (a 504 after five minutes). Each test keeps the ratios of the shipped defaults
(``config/models.yaml`` and the settings) and divides every figure by the same factor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.core.config import ProviderSettings
from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from llm_gateway.providers.registry_schema import RegistrySpec, TimeoutsSpec
from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.proxy.conftest import AUTH, proxy_settings

SHIPPED = Path(__file__).parents[3] / "config" / "models.yaml"
DEADLINE_S = 4.0  # the test's request deadline; every other limit keeps its shipped ratio to it


def _scaled_timeouts() -> dict[str, float]:
    spec = RegistrySpec.model_validate(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    factor = DEADLINE_S / ProviderSettings().request_deadline_s
    return {k: v * factor for k, v in spec.defaults.timeouts.model_dump().items()}


@pytest.fixture
async def gateway(
    backend: Backend, fake: FakeUpstream, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    timeouts = orjson.dumps(_scaled_timeouts()).decode()
    api = f"base_url: '{fake.base_url}/v1'"
    models = tmp_path / "models.yaml"
    models.write_text(
        f"""
version: 1
defaults: {{timeouts: {timeouts}}}
aliases:
  twin:
    deployments:
      - {{provider: openai, model: twin-a, {api}}}
      - {{provider: openai, model: twin-b, {api}}}
""",
        encoding="utf-8",
    )
    settings = proxy_settings(backend, models, providers={"request_deadline_s": DEADLINE_S})
    try:
        async with LifespanManager(create_app(settings), shutdown_timeout=30) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                yield client
    finally:
        await truncate_all(backend.database_url)


def _chat(**extra: Any) -> dict[str, Any]:
    return {"model": "twin", "messages": [{"role": "user", "content": "hi"}], **extra}


def _content(reply: httpx.Response) -> str:
    """The answer's text, from a JSON completion or from the deltas of a complete stream."""
    if not reply.headers["content-type"].startswith("text/event-stream"):
        content: str = reply.json()["choices"][0]["message"]["content"]
        return content
    assert reply.text.endswith("data: [DONE]\n\n")
    chunks = [
        orjson.loads(event.removeprefix("data: "))
        for event in reply.text.split("\n\n")
        if event.startswith("data: {")
    ]
    assert all("error" not in chunk for chunk in chunks), chunks
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


@pytest.mark.parametrize("stream", [False, True])
async def test_a_hung_first_deployment_fails_over_to_the_second(
    gateway: httpx.AsyncClient, fake: FakeUpstream, stream: bool
) -> None:
    fake.script("*", Behaviour("hang", seconds=60, times=1))  # whichever deployment goes first
    reply = await gateway.post("/v1/chat/completions", json=_chat(stream=stream), headers=AUTH)
    assert reply.status_code == 200, reply.text
    assert reply.headers["x-gateway-attempts"] == "2"
    assert _content(reply) == "You said: hi"
    first, second = (r["model"] for r in fake.requests())
    assert {first, second} == {"twin-a", "twin-b"}


async def test_a_stream_may_run_longer_than_the_first_byte_limit_and_the_deadline(
    gateway: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    """``first_byte_s`` bounds the wait for each chunk, not the stream's length: a stream 2.5x as
    long as the request deadline (12.5 minutes, unscaled: 32k tokens at ~40 tokens/s) ends."""
    gap = _scaled_timeouts()["first_byte_s"] / 4
    words = int(2.5 * DEADLINE_S / gap)
    fake.set_knobs(inter_token_s=gap, reply_words=words)
    reply = await gateway.post("/v1/chat/completions", json=_chat(stream=True), headers=AUTH)
    assert reply.status_code == 200, reply.text
    assert len(_content(reply).split()) == words


def test_a_registry_without_timeouts_gets_the_shipped_ones() -> None:
    spec = RegistrySpec.model_validate(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    assert spec.defaults.timeouts == TimeoutsSpec()
