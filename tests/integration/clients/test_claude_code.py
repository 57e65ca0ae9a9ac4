"""Claude Code (the real npm package, pinned) works against the gateway with no flags or edits.

Each test runs ``claude -p`` against ``llm-gateway serve`` on the demo upstream, as a user who
followed the README would: only ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY point it at the gateway.
Claude Code's default model names (``claude-opus-…``, ``claude-haiku-…``) reach the demo models
through the shipped ``model_routes``; its mid-conversation ``system`` messages, 64k+ max_tokens,
``thinking`` and ``cache_control`` blocks are all accepted.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from tests.integration.clients.claude_code import (
    Run,
    claude_binary,
    claude_env,
    recording_proxy,
    run_claude,
)
from tests.integration.clients.gateway import MASTER_KEY, RunningGateway

pytestmark = pytest.mark.slow  # a gateway process and Claude Code start per test: ~10 s


@pytest.fixture
def project(tmp_path: Path) -> Path:
    claude_binary()  # skip (or fail under CI=true) before starting anything
    (tmp_path / "home").mkdir()
    work = tmp_path / "project"
    work.mkdir()
    (work / "notes.txt").write_text("the secret word is pineapple\n")
    return work


def _access_lines(gateway: RunningGateway) -> list[dict[str, object]]:
    lines = []
    for line in gateway.log_text().splitlines():
        if line.startswith("{") and '"request"' in line:
            entry = json.loads(line)
            if entry.get("event") == "request" and entry.get("path") == "/v1/messages":
                lines.append(entry)
    return lines


async def _claude(gateway: RunningGateway, project: Path, *args: str) -> Run:
    async with recording_proxy() as proxy:
        env = claude_env(gateway.base_url, MASTER_KEY, project.parent / "home", proxy.url)
        run = await run_claude(list(args), env, project)
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    # Nothing but the gateway was contacted (no telemetry, update checks or api.anthropic.com).
    assert proxy.requests == [], proxy.requests
    return run


async def test_default_model_with_no_flags(served: RunningGateway, project: Path) -> None:
    run = await _claude(served, project, "-p", "Hello from the gateway test")
    assert "You said:" in run.stdout
    assert "Hello from the gateway test" in run.stdout
    calls = _access_lines(served)
    assert calls, served.log_text()
    assert all(c["status"] == 200 for c in calls), calls
    # Its default model name was routed to the demo setup's large model, and the log says so.
    main = calls[-1]
    assert str(main["model"]).startswith("claude-")
    assert main["alias"] in ("demo-large", "demo")
    assert main["deployment"]
    assert any(c["alias"] == "demo-large" for c in calls)


async def test_the_access_log_names_why_a_request_failed(served: RunningGateway) -> None:
    body = {"model": "gpt-9", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"x-api-key": MASTER_KEY, "anthropic-version": "2023-06-01"}
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        missing = await client.post("/v1/messages", json=body, headers=headers)
        bad = await client.post("/v1/messages", json={**body, "max_tokens": 0}, headers=headers)
    assert (missing.status_code, bad.status_code) == (404, 400)
    await asyncio.sleep(0.2)  # the log line is written after the response
    lines = _access_lines(served)
    assert {"status": 404, "error": "model_not_found", "model": "gpt-9"}.items() <= lines[0].items()
    assert lines[1]["status"] == 400
    assert lines[1]["error"] == "invalid_request"


async def test_a_tool_turn_reads_a_file_and_answers(served: RunningGateway, project: Path) -> None:
    # The fake model calls the named tool with the JSON that follows ("call <tool> {...}"), then
    # answers "Tool result: <content>" once the tool_result comes back.
    path = project / "notes.txt"
    prompt = f'call Read {{"file_path": "{path}"}}'
    run = await _claude(served, project, "-p", prompt, "--allowedTools", "Read")
    assert "Tool result:" in run.stdout
    assert "pineapple" in run.stdout  # the file's content went through Claude Code's Read tool
    assert len(_access_lines(served)) >= 2  # tool_use turn, then the answer


async def test_stream_json_output_with_a_tool_round_trip(
    served: RunningGateway, project: Path
) -> None:
    path = project / "notes.txt"
    prompt = f'call Read {{"file_path": "{path}"}}'
    run = await _claude(
        served,
        project,
        "-p",
        prompt,
        "--output-format",
        "stream-json",
        "--verbose",
        "--allowedTools",
        "Read",
    )
    events = run.events()
    blocks = [
        block
        for event in events
        if event.get("type") in ("assistant", "user")
        for block in event["message"]["content"]
    ]
    kinds = [b["type"] for b in blocks]
    assert kinds[:3] == ["tool_use", "tool_result", "text"], kinds
    assert blocks[0]["name"] == "Read"
    assert blocks[0]["input"] == {"file_path": str(path)}
    assert "pineapple" in json.dumps(blocks[1]["content"])
    result = events[-1]
    assert result["type"] == "result"
    assert result["subtype"] == "success"
    assert "pineapple" in result["result"]
    assert result["usage"]["output_tokens"] > 0  # usage travelled through the stream
