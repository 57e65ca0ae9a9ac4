"""The Codex CLI (npm ``@openai/codex``, pinned) against a real ``llm-gateway serve`` process.

Codex speaks only the Responses API (``wire_api = "responses"``), streams every turn and sends
its own tool set (function tools, a ``namespace`` of sub-agent tools, and hosted web search unless
disabled). It runs offline against a base URL: the gateway serves it from the shipped
``config/models.yaml`` with the in-process demo upstream (the fake), on the session's backend.
``scripts/client-deps.sh`` installs it (``make test`` runs that script); without it these tests
skip, except under CI, where a missing client is a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.clients.gateway import RunningGateway, gateway_env, serve

CODEX_VERSION = "0.171.0"  # keep in step with scripts/client-deps.sh
REPO = Path(__file__).resolve().parents[3]
CODEX = REPO / ".cache" / "npm" / "node_modules" / ".bin" / "codex"
MASTER_KEY = "sk-codex-test-master-key-0123456789"
CONFIG = """\
model = "demo"
model_provider = "llmgw"
web_search = "disabled"

[model_providers.llmgw]
name = "llm-gateway"
base_url = "{base_url}/v1"
env_key = "LLMGW_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
"""


@pytest.fixture(scope="module")
def codex() -> Path:
    if not CODEX.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CODEX} is missing: scripts/client-deps.sh should have installed it")
        pytest.skip("Codex CLI not installed (run scripts/client-deps.sh)")
    version = subprocess.run(
        [str(CODEX), "--version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert CODEX_VERSION in version
    return CODEX


@pytest.fixture
async def served(backend: Backend, tmp_path: Path) -> AsyncIterator[RunningGateway]:
    """``llm-gateway serve`` in a subprocess (shipped registry, demo upstream), until teardown."""
    env = gateway_env(
        backend,
        HOME=str(tmp_path),
        LLMGW_SECURITY__MASTER_KEY=MASTER_KEY,
        LLMGW_TELEMETRY__LOG_JSON="false",  # _responses_calls reads the console access log
    )
    try:
        async with serve(env, tmp_path, ready_timeout_s=90) as gateway:
            yield gateway
    finally:
        await truncate_all(backend.database_url)


@dataclass
class Run:
    returncode: int
    events: list[dict[str, Any]]
    stderr: str

    def items(self, kind: str) -> list[dict[str, Any]]:
        return [
            e["item"]
            for e in self.events
            if e.get("type") == "item.completed" and e["item"].get("type") == kind
        ]


def _codex_home(tmp_path: Path, base_url: str, config: str = CONFIG) -> Path:
    home = tmp_path / "codex-home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(config.format(base_url=base_url), encoding="utf-8")
    return home


async def _exec(codex: Path, home: Path, workdir: Path, prompt: str) -> Run:
    """``codex exec --json`` with a clean environment: only the gateway key, no OpenAI key."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home.parent),
        "CODEX_HOME": str(home),
        "LLMGW_API_KEY": MASTER_KEY,
    }
    process = await asyncio.create_subprocess_exec(
        str(codex),
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--sandbox",
        "danger-full-access",  # the test machine has no user namespaces for Codex's sandbox
        prompt,
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 180)
    events = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    return Run(process.returncode or 0, events, err.decode(errors="replace"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def _responses_calls(gateway: RunningGateway) -> list[str]:
    return [
        line
        for line in gateway.log.read_text(errors="replace").splitlines()
        if "path=/v1/responses" in line or '"path": "/v1/responses"' in line
    ]


async def test_codex_exec_answers_through_the_responses_api(
    codex: Path, served: RunningGateway, tmp_path: Path, workdir: Path
) -> None:
    run = await _exec(codex, _codex_home(tmp_path, served.base_url), workdir, "hello codex")
    assert run.returncode == 0, run.stderr + json.dumps(run.events)
    messages = run.items("agent_message")
    assert [m["text"] for m in messages] == ["You said: hello codex"]
    completed = [e for e in run.events if e["type"] == "turn.completed"]
    assert completed[0]["usage"]["output_tokens"] == 4  # the gateway's usage reached Codex
    assert len(_responses_calls(served)) == 1


async def test_codex_runs_a_tool_and_answers_from_its_output(
    codex: Path, served: RunningGateway, tmp_path: Path, workdir: Path
) -> None:
    """function_call → Codex runs the command → function_call_output → the model's answer."""
    run = await _exec(
        codex,
        _codex_home(tmp_path, served.base_url),
        workdir,
        'call exec_command {"cmd": "echo codex-tool-ok"}',
    )
    assert run.returncode == 0, run.stderr + json.dumps(run.events)
    commands = run.items("command_execution")
    assert len(commands) == 1
    assert commands[0]["exit_code"] == 0
    assert commands[0]["aggregated_output"].strip() == "codex-tool-ok"
    (answer,) = run.items("agent_message")
    assert answer["text"].startswith("Tool result:")
    assert "codex-tool-ok" in answer["text"]
    assert len(_responses_calls(served)) == 2  # the call, then the answer to its output


async def test_codex_with_web_search_on_gets_a_clear_refusal(
    codex: Path, served: RunningGateway, tmp_path: Path, workdir: Path
) -> None:
    config = CONFIG.replace('web_search = "disabled"\n', "")
    run = await _exec(codex, _codex_home(tmp_path, served.base_url, config), workdir, "hi")
    assert run.returncode != 0
    failed = [e for e in run.events if e["type"] == "turn.failed"]
    assert failed, json.dumps(run.events)
    message = failed[0]["error"]["message"]
    assert "unsupported_tool" in message
    assert 'web_search = \\"disabled\\"' in message or 'web_search = "disabled"' in message
