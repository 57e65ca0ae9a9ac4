"""OpenTelemetry traces, read back from an in-memory exporter: the request span and its parts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.core.tracing import Tracing
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.agent.conftest import AUTH, MASTER_KEY, FakeSearx, agent_settings

URL = "/v1/chat/completions"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def app(
    backend: Backend, models_file: Path, searx: FakeSearx, exporter: InMemorySpanExporter
) -> FastAPI:
    settings: Settings = build_settings(
        backend, security={"master_key": MASTER_KEY}, **agent_settings(models_file, searx.url)
    )
    return create_app(settings, tracing=Tracing(settings.telemetry, exporter=exporter))


def spans_of(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [
        s
        for s in exporter.get_finished_spans()
        if s.context is not None and format(s.context.trace_id, "032x") == trace_id
    ]


async def test_a_proxied_call_is_one_trace_with_auth_quota_and_upstream_spans(
    client: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    body = {"model": "small", "messages": [{"role": "user", "content": "hello there"}]}
    response = await client.post(URL, json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    trace_id = response.headers["x-trace-id"]
    spans = spans_of(exporter, trace_id)
    by_name = {s.name: s for s in spans}
    root = by_name["POST /v1/chat/completions"]
    assert root.parent is None
    attributes = dict(root.attributes or {})
    assert attributes["http.response.status_code"] == 200
    assert attributes["llmgw.request_id"] == response.headers["x-request-id"]
    assert attributes["gen_ai.request.model"] == "small"
    assert attributes["gen_ai.usage.input_tokens"] > 0
    assert attributes["gen_ai.usage.output_tokens"] > 0
    for child in ("gateway.auth", "gateway.quota_admission", "chat demo"):
        assert by_name[child].parent is not None, child
        assert by_name[child].parent.span_id == root.context.span_id  # type: ignore[union-attr]
    upstream = dict(by_name["chat demo"].attributes or {})
    assert upstream["gen_ai.operation.name"] == "chat"
    assert upstream["gen_ai.provider.name"] == "openai"
    assert upstream["gen_ai.request.model"] == "demo"


async def test_an_agent_run_has_a_span_per_node_and_per_tool_call(
    client: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    text = 'What is 12*7? call calculator {"expression": "12*7"}'
    body = {"model": "auto", "messages": [{"role": "user", "content": text}]}
    response = await client.post(URL, json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    names = {s.name for s in spans_of(exporter, response.headers["x-trace-id"])}
    assert {"agent.intent_analyzer", "agent.tool_executor", "agent.model_router"} <= names
    assert "gen_ai.execute_tool" in names
    assert {"agent.guardrail", "agent.response_formatter"} <= names


async def test_the_callers_traceparent_is_continued(
    client: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {**AUTH, "traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"}
    response = await client.get("/v1/models", headers=headers)
    assert response.status_code == 200
    assert response.headers["x-trace-id"] == caller_trace
    assert spans_of(exporter, caller_trace)


async def test_tracing_is_off_by_default(backend: Backend) -> None:
    app = create_app(build_settings(backend))
    assert not any(m.cls.__name__ == "TracingMiddleware" for m in app.user_middleware)
