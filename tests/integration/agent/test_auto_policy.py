"""``model: auto`` under the operator's policies: quota model tiers and a stream-stopping guard.

The app here limits the master key by its tier (enterprise), and that tier's quota allows only
small models; the output guard wants secrets regenerated, which on a stream means stopping it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.services.proxy import hooks
from llm_gateway.services.proxy.context import CallContext
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.agent.conftest import AUTH, MASTER_KEY, FakeSearx, agent_settings

URL = "/v1/chat/completions"
COMPLEX = (
    "Explain in detail the differences between TCP and UDP congestion control, "
    "with examples and trade-offs"
)


@pytest.fixture
def app(backend: Backend, models_file: Path, searx: FakeSearx) -> FastAPI:
    groups = agent_settings(models_file, searx.url, guardrails={"secret_action": "regenerate"})
    quotas = {
        "limit_master_key": True,
        "tiers": {"free": {}, "enterprise": {"allowed_model_tiers": ["small"]}},
    }
    settings = build_settings(backend, security={"master_key": MASTER_KEY}, quotas=quotas, **groups)
    return create_app(settings)


@pytest.fixture
def finalized(monkeypatch: pytest.MonkeyPatch) -> list[CallContext]:
    seen: list[CallContext] = []
    real = hooks.finalize

    async def record(state: Any, ctx: CallContext) -> None:
        seen.append(ctx)
        await real(state, ctx)

    monkeypatch.setattr(hooks, "finalize", record)
    return seen


def _body(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "auto", "messages": [{"role": "user", "content": text}], **extra}


async def test_a_quota_without_large_models_gets_the_small_model_not_a_403(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    # Enterprise is in the agent's large_model_tiers, but this caller's quota says small only:
    # the quota wins, for the reservation and for the route alike.
    response = await client.post(URL, json=_body(COMPLEX), headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["model"] == "small"
    assert response.headers["x-gateway-model"] == "small"
    assert fake.requests("demo-large") == []


async def test_the_output_guard_stops_a_stream_with_an_error_event(
    client: httpx.AsyncClient, finalized: list[CallContext]
) -> None:
    key = "sk-proj-" + "a1B2c3D4" * 6
    # (Until session 10 the prompt was "Here is a long preamble that goes on for quite a while
    # before it gets to it: <key>"; the e5 attack stage refuses that shape — a lead-in, a colon,
    # an opaque token — on input, a false positive recorded in docs/GUARDRAILS.md. This test is
    # about the output guard, so it asks the way a user with a 401 would.)
    text = (
        "My deploy keeps failing with a 401 although I have checked the network, the region and"
        " the model name twice. I set the variable to " + key + " in the env file, is that right?"
    )
    response = await client.post(URL, json=_body(text, stream=True), headers=AUTH)
    assert response.status_code == 200  # the head went out with the first released words
    events = response.text.removesuffix("\n\n").split("\n\n")
    assert "data: [DONE]" not in events
    chunks = [orjson.loads(e.removeprefix("data: ")) for e in events]
    error = chunks[-1]["error"]
    assert error["code"] == "output_blocked"
    sent = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1])
    assert sent.startswith("You said: My deploy")
    assert key not in response.text
    assert finalized[-1].error_code == "output_blocked"
