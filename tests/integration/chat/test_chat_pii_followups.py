"""/chat follow-ups under ``pii_input``: titles and summaries never send a model the raw values.

Alice is on the ``free`` tier. The agent redacts the turn it sends; the background title and
compaction read the stored (unredacted) messages, so they must redact too. The fake upstream
echoes the prompt, so a raw value it was sent also ends up in the stored title or summary.
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
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import MASTER_KEY, Account, auth_settings
from tests.integration.chat.support import chat

EMAIL = "kim.minsu@corp-mail.kr"
FIRST = f"Please remember my mail is {EMAIL} for later"
TITLE_SYSTEM = "Write a short title"
SUMMARY_SYSTEM = "You maintain a running summary"


def _free(**policy: Any) -> dict[str, Any]:
    return {"policies": {"free": policy}, "hash_key": "test-key"}


@pytest.fixture
def guardrails() -> dict[str, Any]:
    """``agent.guardrails`` settings of the app under test (tests override this)."""
    return _free(pii_input="mask")


@pytest.fixture
def app(backend: Backend, models_file: Path, guardrails: dict[str, Any]) -> FastAPI:
    # A tiny compaction trigger: the second exchange folds the first into the summary.
    settings = auth_settings(
        backend,
        providers={"models_file": models_file, "demo_upstream": False, "num_retries": 0},
        quotas={"enabled": False},
        security={"master_key": MASTER_KEY},
        chat={
            "heartbeat_interval_s": 0.05,
            "summary_trigger_ratio": 0.01,
            "summary_target_ratio": 0.01,
        },
        agent={"guardrails": guardrails},
    )
    return create_app(settings)


def _system_of(request: dict[str, Any]) -> str:
    messages = request["body"].get("messages") or []
    return str(messages[0].get("content", "")) if messages else ""


def _sent(fake: FakeUpstream, system: str) -> list[dict[str, Any]]:
    """The upstream requests whose system prompt starts with ``system``."""
    return [r for r in fake.requests() if _system_of(r).startswith(system)]


async def _converse(
    client: httpx.AsyncClient, alice: Account, app_state: AppState, *messages: str
) -> dict[str, Any]:
    """One conversation of ``messages`` (background jobs drained after each); its final state."""
    conversation_id = None
    for text in messages:
        body: dict[str, Any] = {"message": text, "stream": False}
        if conversation_id:
            body["conversation_id"] = conversation_id
        response = await chat(client, alice.headers, **body)
        assert response.status_code == 200, response.text
        conversation_id = response.json()["conversation_id"]
        await app_state.chat_jobs.join()
    got = await client.get(f"/conversations/{conversation_id}", headers=alice.headers)
    assert got.status_code == 200, got.text
    conversation: dict[str, Any] = got.json()
    return conversation


@pytest.mark.parametrize("guardrails", [_free(pii_input="mask"), _free(pii_input="hash")])
async def test_title_request_and_title_hold_no_raw_email(
    client: httpx.AsyncClient, alice: Account, app_state: AppState, fake: FakeUpstream
) -> None:
    conversation = await _converse(client, alice, app_state, FIRST)
    titles = _sent(fake, TITLE_SYSTEM)
    assert len(titles) == 1
    sent = orjson.dumps(titles[0]["body"]).decode()
    assert "Please remember my mail is" in sent
    assert EMAIL not in sent
    assert conversation["title"]
    assert EMAIL not in conversation["title"]


async def test_summary_request_and_summary_hold_no_raw_email(
    client: httpx.AsyncClient, alice: Account, app_state: AppState, fake: FakeUpstream
) -> None:
    conversation = await _converse(client, alice, app_state, FIRST, "Thanks, and now?")
    summaries = _sent(fake, SUMMARY_SYSTEM)
    assert summaries, "the second exchange should have compacted the first"
    sent = orjson.dumps([r["body"] for r in summaries]).decode()
    assert "Please remember my mail is" in sent
    assert EMAIL not in sent
    assert conversation["summary"]
    assert EMAIL not in conversation["summary"]
    # No model at all saw the value, and the stored messages keep the user's own text.
    assert EMAIL not in orjson.dumps(fake.requests()).decode()
    messages = await client.get(
        f"/conversations/{conversation['id']}/messages", headers=alice.headers
    )
    assert messages.status_code == 200, messages.text
    assert EMAIL in messages.text


@pytest.mark.parametrize("guardrails", [_free(pii_input="log"), _free(pii_input="off")])
async def test_without_mask_or_hash_the_follow_ups_send_the_text_as_is(
    client: httpx.AsyncClient, alice: Account, app_state: AppState, fake: FakeUpstream
) -> None:
    await _converse(client, alice, app_state, FIRST, "Thanks, and now?")
    for system in (TITLE_SYSTEM, SUMMARY_SYSTEM):
        sent = orjson.dumps([r["body"] for r in _sent(fake, system)]).decode()
        assert EMAIL in sent, system
