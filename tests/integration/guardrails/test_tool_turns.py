"""Which turn a flagged tool result is recorded on: the one that brings it, once.

Every result in the history is screened (and withheld) on every request, but a client resends
its whole history, so only the results this request brings are named and counted: those after
the model's last answer. A trailing assistant message (a prefill the model is to continue) is
not an answer, and an Anthropic user turn may hold text after its ``tool_result`` blocks. The
same holds for personal data in tool results under ``pii_input: log``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from llm_gateway.fake_upstream import FakeUpstream
from tests.backends import Backend
from tests.integration.auth.helpers import Account
from tests.integration.guardrails.conftest import ADMIN, key_auth, set_key_policy
from tests.integration.guardrails.test_cached_answers import OPEN, _app
from tests.integration.guardrails.test_proxy_policies import APIS, _free, _key, _sent
from tests.integration.guardrails.test_tool_injection import (
    ENDPOINTS,
    INJECTED,
    PLANTED,
    WITHHELD,
    _and_then,
    _withheld,
)
from tests.integration.guardrails.test_tool_results import EMAIL, auto_turns, tool_turns
from tests.integration.guardrails.wire import PATHS, headers


def _prefill(api: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with the start of the answer the model is to continue."""
    if api == "responses":
        item = {"type": "message", "role": "assistant", "content": "Based on"}
        return {**body, "input": [*body["input"], item]}
    return {**body, "messages": [*body["messages"], {"role": "assistant", "content": "Based on"}]}


def _pii_logged(metrics: str, endpoint: str) -> str:
    """The pii ``log`` count's sample line for ``endpoint`` (the count ends it)."""
    head = (
        f'llmgw_guardrail_actions_total{{action="log",category="pii",endpoint="{endpoint}",'
        'side="input"} '
    )
    return next((line for line in metrics.splitlines() if line.startswith(head)), head + "0")


class TestWithhold:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _free(tool_results="withhold")

    @APIS
    async def test_a_result_before_a_prefill_is_named_and_counted(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account, api: str
    ) -> None:
        body = _prefill(api, tool_turns(api, result=INJECTED))
        response = await client.post(PATHS[api], json=body, headers=headers(api, _key(alice)))
        assert response.status_code == 200, response.text
        sent = orjson.dumps(fake.requests()[-1]).decode()
        assert PLANTED not in sent
        assert WITHHELD in sent
        assert response.headers["x-gateway-guardrails"] == "tool:withhold"
        metrics = (await client.get("/metrics", headers=ADMIN)).text
        assert _withheld(metrics, ENDPOINTS[api]).endswith(" 1.0")

    async def test_an_anthropic_turn_with_text_after_its_result_counts_it_once(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account
    ) -> None:
        first = tool_turns("anthropic", result=INJECTED)
        first["messages"][-1]["content"].append({"type": "text", "text": "Keep it short."})
        auth = headers("anthropic", _key(alice))
        response = await client.post(PATHS["anthropic"], json=first, headers=auth)
        assert response.status_code == 200, response.text
        assert response.headers["x-gateway-guardrails"] == "tool:withhold"
        later = await client.post(
            PATHS["anthropic"], json=_and_then("anthropic", first, "3 rows"), headers=auth
        )
        assert later.status_code == 200, later.text
        assert PLANTED not in _sent(fake)
        assert "x-gateway-guardrails" not in later.headers
        metrics = (await client.get("/metrics", headers=ADMIN)).text
        assert _withheld(metrics, "anthropic_messages").endswith(" 1.0")


class TestLog:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _free(tool_results="log")

    @APIS
    async def test_a_result_before_a_prefill_is_named(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account, api: str
    ) -> None:
        body = _prefill(api, tool_turns(api, result=INJECTED))
        response = await client.post(PATHS[api], json=body, headers=headers(api, _key(alice)))
        assert response.status_code == 200, response.text
        assert PLANTED in _sent(fake)
        assert response.headers["x-gateway-guardrails"] == "tool:log"


class TestPersonalDataLogged:
    """``pii_input: log`` names and counts a result's personal data on its own turn only."""

    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _free(pii_input="log")

    @APIS
    async def test_the_proxy_path_counts_a_resent_result_once(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account, api: str
    ) -> None:
        first = tool_turns(api)
        auth = headers(api, _key(alice))
        response = await client.post(PATHS[api], json=first, headers=auth)
        assert response.status_code == 200, response.text
        assert "input:log" in response.headers["x-gateway-guardrails"].split(",")
        later = await client.post(PATHS[api], json=_and_then(api, first, "3 rows"), headers=auth)
        assert later.status_code == 200, later.text
        assert EMAIL in _sent(fake)
        assert "x-gateway-guardrails" not in later.headers
        metrics = (await client.get("/metrics", headers=ADMIN)).text
        assert _pii_logged(metrics, ENDPOINTS[api]).endswith(" 1.0")

    async def test_the_agent_path_counts_a_resent_result_once(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account
    ) -> None:
        first = auto_turns()
        auth = key_auth(alice, "one")
        response = await client.post(PATHS["openai"], json=first, headers=auth)
        assert response.status_code == 200, response.text
        assert "input:log" in response.headers["x-gateway-guardrails"].split(",")
        later = await client.post(
            PATHS["openai"], json=_and_then("openai", first, "3 rows"), headers=auth
        )
        assert later.status_code == 200, later.text
        assert EMAIL in _sent(fake)
        assert "input:log" not in later.headers.get("x-gateway-guardrails", "").split(",")
        metrics = (await client.get("/metrics", headers=ADMIN)).text
        assert _pii_logged(metrics, "agent").endswith(" 1.0")


class TestBlockedOnACachedAnswer:
    """``pii_input: block`` refuses personal data in a tool result on the agent path: an answer
    another key stored for the same request is not served instead."""

    @pytest.fixture
    def app(self, backend: Backend, models_file: Path) -> FastAPI:
        return _app(backend, models_file, {"pii_input": "block", "leak_output": "off"})

    async def test_the_request_is_refused_not_answered_from_the_cache(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account
    ) -> None:
        body = {**auto_turns(), "temperature": 0}
        assert (await set_key_policy(client, alice, "two", OPEN)).status_code == 200
        stored = await client.post(PATHS["openai"], json=body, headers=key_auth(alice, "two"))
        assert stored.status_code == 200, stored.text
        calls = len(fake.requests())
        response = await client.post(PATHS["openai"], json=body, headers=key_auth(alice, "one"))
        assert response.status_code == 400, response.text
        assert orjson.loads(response.content)["error"]["code"] == "guardrail_blocked"
        assert response.headers.get("x-gateway-cache") != "hit"
        assert len(fake.requests()) == calls
