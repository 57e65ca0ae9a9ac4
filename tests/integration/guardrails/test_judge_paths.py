"""The grey-zone LLM judge on both paths (proxy alias, ``/chat``), against the fake upstream.

The judge alias ``judge`` is its own deployment (``demo-judge``) so a test can make it hang. The
fake upstream answers ``X`` to a prompt containing ``[fake-reply:X]``: the judge's verdict is
scripted through the prompt it is shown. The band ``[0, 1]`` for harmful requests puts every
prompt in the grey zone, so each one is judged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from httpx_sse import aconnect_sse

from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from llm_gateway.state import AppState
from tests.integration.agent.conftest import registry_yaml
from tests.integration.auth.helpers import Account
from tests.integration.guardrails.conftest import ADMIN, key_auth
from tests.integration.guardrails.wire import post

UNSAFE = "Tell me a bedtime story about a lighthouse. [fake-reply:UNSAFE]"
SAFE = "Tell me a bedtime story about a lighthouse. [fake-reply:SAFE]"
APIS = pytest.mark.parametrize("api", ["openai", "anthropic", "responses"])


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    judge = f"""  judge:
    tier: small
    deployments: [{{provider: openai, model: demo-judge, base_url: '{fake.base_url}/v1'}}]
    context_window: 32000
"""
    path = tmp_path / "models.yaml"
    path.write_text(registry_yaml(fake.base_url) + judge, encoding="utf-8")
    return path


def _judge(**extra: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "alias": "judge",
        "timeout_s": 0.5,
        "bands": {"harmful_request": (0.0, 1.0)},
        **extra,
    }


def _settings(harmful: str = "block", **judge: Any) -> dict[str, Any]:
    policy = {"proxy": True, "harmful_request": harmful}
    return {"policies": {"free": policy}, "judge": _judge(**judge)}


def _key(alice: Account) -> str:
    return key_auth(alice, "one")["Authorization"].removeprefix("Bearer ")


def _judged(fake: FakeUpstream) -> int:
    return len(fake.requests("demo-judge"))


async def _chat(client: httpx.AsyncClient, alice: Account, text: str) -> list[tuple[str, Any]]:
    async with aconnect_sse(
        client, "POST", "/chat", json={"message": text}, headers=alice.headers
    ) as source:
        return [(e.event, orjson.loads(e.data)) async for e in source.aiter_sse()]


def _blocked_by(events: list[tuple[str, Any]]) -> list[str]:
    return [
        rule
        for name, data in events
        if name == "guardrail" and data["action"] == "block"
        for rule in data["rules"]
    ]


class TestBlock:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _settings()

    @APIS
    async def test_proxy_refuses_what_the_judge_calls_unsafe(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account, api: str
    ) -> None:
        response = await post(client, api, UNSAFE, _key(alice))
        assert response.status_code == 400, response.text
        assert "input:judge" in response.headers["x-gateway-guardrails"]
        assert "input:block" in response.headers["x-gateway-guardrails"]
        assert _judged(fake) == 1
        assert fake.requests("demo") == []  # the caller's model was never called

    @APIS
    async def test_proxy_passes_what_the_judge_calls_safe(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account, api: str
    ) -> None:
        response = await post(client, api, SAFE, _key(alice))
        assert response.status_code == 200, response.text
        assert _judged(fake) == 1
        assert fake.requests("demo")

    async def test_agent_path_refuses_with_the_judges_rule(
        self, client: httpx.AsyncClient, app_state: AppState, alice: Account
    ) -> None:
        events = await _chat(client, alice, UNSAFE)
        assert _blocked_by(events) == ["judge.harmful_request"]
        assert app_state.guard_stats.judge_counts[("harmful_request", "unsafe")] == 1

    async def test_auto_refuses_it_too(self, client: httpx.AsyncClient, alice: Account) -> None:
        body = {"model": "auto", "messages": [{"role": "user", "content": UNSAFE}]}
        response = await client.post(
            "/v1/chat/completions", json=body, headers=key_auth(alice, "one")
        )
        assert response.json()["choices"][0]["finish_reason"] == "content_filter"

    async def test_the_metric_counts_each_question(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        await post(client, "openai", UNSAFE, _key(alice))
        await post(client, "openai", SAFE, _key(alice))
        text = (await client.get("/metrics", headers=ADMIN)).text
        assert (
            'llmgw_guardrail_judge_total{category="harmful_request",outcome="unsafe"} 1.0' in text
        )
        assert 'llmgw_guardrail_judge_total{category="harmful_request",outcome="safe"} 1.0' in text


class TestRedacted:
    """Under ``pii_input: mask`` the judge, a model too, sees the prompt as the upstream will."""

    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        settings = _settings()
        settings["policies"]["free"]["pii_input"] = "mask"
        return settings

    @APIS
    async def test_the_judge_never_sees_the_raw_value(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account, api: str
    ) -> None:
        email = "kim.minsu@corp-mail.kr"
        response = await post(client, api, f"{SAFE} My mail is {email}.", _key(alice))
        assert response.status_code == 200, response.text
        judged = orjson.dumps(fake.requests("demo-judge")).decode()
        assert _judged(fake) == 1
        assert email not in judged
        assert "[REDACTED:EMAIL]" in judged


class TestLogOnly:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _settings(harmful="log")

    async def test_proxy_logs_the_judges_finding_and_answers(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account
    ) -> None:
        response = await post(client, "openai", UNSAFE, _key(alice))
        assert response.status_code == 200
        assert "input:log" in response.headers["x-gateway-guardrails"]

    async def test_agent_path_logs_and_answers(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        events = await _chat(client, alice, UNSAFE)
        assert _blocked_by(events) == []
        assert any(n == "guardrail" and d["action"] == "log" for n, d in events)
        assert events[-1][0] == "done"


class TestTimeout:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _settings(timeout_s=0.2)

    async def test_a_hanging_judge_leaves_the_classifier_decision(
        self, client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState, alice: Account
    ) -> None:
        fake.script("demo-judge", Behaviour(kind="hang", seconds=5, times=10))
        response = await post(client, "openai", UNSAFE, _key(alice))
        assert response.status_code == 200  # the classifier allows it; the judge never said
        assert app_state.guard_stats.judge_counts[("harmful_request", "timeout")] == 1


class TestBudget:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _settings(budget_per_minute=1)

    async def test_over_budget_the_classifier_decides(
        self, client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState, alice: Account
    ) -> None:
        first = await post(client, "openai", UNSAFE, _key(alice))
        second = await post(client, "openai", UNSAFE, _key(alice))
        assert (first.status_code, second.status_code) == (400, 200)
        assert _judged(fake) == 1
        assert app_state.guard_stats.judge_counts[("harmful_request", "budget")] == 1


class TestOff:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return {"policies": {"free": {"proxy": True}}}  # the shipped default: no judge

    async def test_no_judge_is_asked_on_either_path(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account
    ) -> None:
        response = await post(client, "openai", UNSAFE, _key(alice))
        assert response.status_code == 200
        events = await _chat(client, alice, UNSAFE)
        assert _blocked_by(events) == []
        assert _judged(fake) == 0
