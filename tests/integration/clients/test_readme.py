"""The README's client snippets run as written against a served gateway (both languages' READMEs).

Each ```python block of the "Clients" section is written to a file with the gateway's address and
the master key substituted for ``http://127.0.0.1:8000`` and ``sk-gw-…``, and run with this
interpreter; the register example's JSON body is posted as is. README.ko.md must carry the same
snippets, so it is checked too.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.clients.gateway import MASTER_KEY, RunningGateway

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
README_KO = ROOT / "README.ko.md"
pytestmark = pytest.mark.slow  # a gateway process starts


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def _client_snippets(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [b for b in _blocks(text, "python") if "base_url=" in b]


def test_the_korean_readme_carries_the_same_client_snippets() -> None:
    english = _client_snippets(README)
    assert len(english) >= 2
    assert _client_snippets(README_KO) == english


async def test_readme_client_snippets_run(served: RunningGateway, tmp_path: Path) -> None:
    for i, snippet in enumerate(_client_snippets(README)):
        code = snippet.replace("http://127.0.0.1:8000", served.base_url).replace(
            "sk-gw-…", MASTER_KEY
        )
        script = tmp_path / f"snippet_{i}.py"
        script.write_text(code, encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, f"{snippet}\n{err.decode()}"
        assert "You said:" in out.decode(), out.decode()


async def test_readme_register_example_works(served: RunningGateway) -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"/auth/register .*?-d '(\{.*?\})'", text, flags=re.DOTALL)
    assert match is not None
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        response = await client.post("/auth/register", json=json.loads(match.group(1)))
    assert response.status_code == 201, response.text
    assert response.json()["tier"] == "free"  # what the README says new users get
