"""Personal data in the tool results a client sends back, and what the policy does with it.

A tool result (an OpenAI ``tool`` message, an Anthropic ``tool_result`` block, a Responses
``function_call_output``) reaches the model like a user turn, so ``pii_input`` covers it:
``mask``/``hash`` rewrite it before the upstream sees it, ``block`` refuses the request. The
attack checks stay on user turns. Also: a secret redacted from a prompt is counted as ``secret``.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from llm_gateway.fake_upstream import FakeUpstream
from tests.integration.auth.helpers import Account
from tests.integration.guardrails.conftest import ADMIN, key_auth
from tests.integration.guardrails.test_proxy_policies import APIS, EMAIL, KEY, _free, _key, _sent
from tests.integration.guardrails.wire import PATHS, headers, post

RESULT = f"customer record: Kim Minsu, {EMAIL}, gold tier"
_SCHEMA = {"type": "object", "properties": {}}


def tool_turns(api: str, model: str = "small", result: str = RESULT) -> dict[str, Any]:
    """A request whose last turn hands the model a tool result (by default holding an e-mail
    address)."""
    ask = "What tier is this customer on? Use the lookup tool."
    if api == "anthropic":
        return {
            "model": model,
            "max_tokens": 200,
            "tools": [{"name": "lookup", "input_schema": _SCHEMA}],
            "messages": [
                {"role": "user", "content": ask},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}}
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "toolu_1", "content": result}
                    ],
                },
            ],
        }
    if api == "responses":
        return {
            "model": model,
            "tools": [{"type": "function", "name": "lookup", "parameters": _SCHEMA}],
            "input": [
                {"role": "user", "content": ask},
                {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "call_1", "output": result},
            ],
        }
    call = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    return {
        "model": model,
        "tools": [{"type": "function", "function": {"name": "lookup", "parameters": _SCHEMA}}],
        "messages": [
            {"role": "user", "content": ask},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": result},
        ],
    }


def auto_turns(result: str = RESULT) -> dict[str, Any]:
    """``tool_turns`` on the agent path (OpenAI wire, ``model: auto``)."""
    body = tool_turns("openai", model="auto", result=result)
    del body["tools"]  # model auto brings the gateway's own tools; a client's earlier turns stay
    return body


class TestMask:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _free(pii_input="mask", leak_output="off")

    @APIS
    async def test_a_tool_result_is_redacted_before_the_upstream(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account, api: str
    ) -> None:
        response = await client.post(
            PATHS[api], json=tool_turns(api), headers=headers(api, _key(alice))
        )
        assert response.status_code == 200, response.text
        sent = _sent(fake)
        assert fake.requests()
        assert EMAIL not in sent
        assert "[REDACTED:EMAIL]" in sent
        assert response.headers["x-gateway-guardrails"] == "input:mask"

    async def test_the_agent_path_redacts_it_too(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account
    ) -> None:
        response = await client.post(
            PATHS["openai"], json=auto_turns(), headers=key_auth(alice, "one")
        )
        assert response.status_code == 200, response.text
        assert fake.requests()
        assert EMAIL not in _sent(fake)

    async def test_a_redacted_secret_is_counted_as_a_secret(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        response = await post(client, "anthropic", f"is this key still valid? {KEY}", _key(alice))
        assert response.status_code == 200, response.text
        metrics = (await client.get("/metrics", headers=ADMIN)).text
        assert (
            'llmgw_guardrail_actions_total{action="mask",category="secret",'
            'endpoint="anthropic_messages",side="input"} 1.0'
        ) in metrics
        assert 'action="mask",category="pii"' not in metrics


class TestBlock:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _free(pii_input="block")

    @APIS
    async def test_a_tool_result_with_personal_data_is_refused(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account, api: str
    ) -> None:
        response = await client.post(
            PATHS[api], json=tool_turns(api), headers=headers(api, _key(alice))
        )
        assert response.status_code == 400, response.text
        body = orjson.loads(response.content)
        message = body["error"]["message"]
        assert "pii" in message
        assert "tool result" in message
        assert EMAIL not in response.text
        assert response.headers["x-gateway-guardrails"] == "input:block"
        assert fake.requests() == []

    async def test_the_agent_path_refuses_it_too(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account
    ) -> None:
        response = await client.post(
            PATHS["openai"], json=auto_turns(), headers=key_auth(alice, "one")
        )
        assert response.status_code == 400, response.text
        error = orjson.loads(response.content)["error"]
        assert error["code"] == "guardrail_blocked"
        assert "pii in a tool result" in error["message"]
        assert EMAIL not in response.text
        assert fake.requests() == []
        metrics = (await client.get("/metrics", headers=ADMIN)).text
        assert (
            'llmgw_guardrail_actions_total{action="block",category="pii",'
            'endpoint="agent",side="input"} 1.0'
        ) in metrics


class TestLog:
    @pytest.fixture
    def guardrails(self) -> dict[str, Any]:
        return _free(pii_input="log")

    async def test_the_agent_path_names_it_and_passes_it_on(
        self, client: httpx.AsyncClient, fake: FakeUpstream, alice: Account
    ) -> None:
        response = await client.post(
            PATHS["openai"], json=auto_turns(), headers=key_auth(alice, "one")
        )
        assert response.status_code == 200, response.text
        assert EMAIL in _sent(fake)
        assert "input:log" in response.headers["x-gateway-guardrails"].split(",")
