"""Offline token counts: bundled, hash-checked BPE files for OpenAI models; estimates otherwise."""

from __future__ import annotations

import pytest

from llm_gateway.services import tokens


@pytest.mark.parametrize(
    ("encoding", "ids"),
    [
        ("cl100k_base", [83, 1609, 5963, 374, 2294, 0]),
        ("o200k_base", [83, 8251, 2488, 382, 2212, 0]),
    ],
)
def test_bundled_encodings_match_openai(encoding: str, ids: list[int]) -> None:
    loaded = tokens.get_encoding(encoding)
    assert loaded is not None
    assert loaded.encode_ordinary("tiktoken is great!") == ids


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("openai/gpt-4.1", "o200k_base"),
        ("ft:gpt-4o-mini:org::abc", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("claude-3-5-sonnet", None),
        ("llama3.1:8b", None),
        (None, None),
    ],
)
def test_encoding_for_model(model: str | None, encoding: str | None) -> None:
    assert tokens.encoding_name_for(model) == encoding


def test_other_providers_are_estimated_above_cl100k() -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 20
    exact = tokens.count_tokens(text, "gpt-4")
    assert tokens.count_tokens(text, "claude-3-haiku") == -(-exact * 115 // 100)
    assert tokens.count_tokens("", "gpt-4o") == 0
    # Special-token markers in user text are plain text, never an error.
    assert tokens.count_tokens("<|endoftext|>", "gpt-4o") > 1


def test_a_tampered_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tokens.BPE_SHA256, "cl100k_base", "0" * 64)
    with pytest.raises(tokens.TokenizerFileError, match="SHA-256"):
        tokens.load_bpe_ranks("cl100k_base")


def test_approximation_is_used_when_no_encoding_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "get_encoding", lambda name: None)
    assert tokens.count_tokens("hello brave new world", "gpt-4o") == tokens.approximate_tokens(
        "hello brave new world"
    )


def test_message_tokens_include_overhead_and_tool_calls() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "calc", "arguments": '{"x": 1}'}}
    plain = tokens.count_message_tokens([{"role": "user", "content": "hi"}], "gpt-4o")
    assert plain == tokens.REPLY_PRIMING_TOKENS + tokens.TOKENS_PER_MESSAGE + 1
    with_call = tokens.count_message_tokens(
        [{"role": "assistant", "content": "", "tool_calls": [call]}], "gpt-4o"
    )
    assert with_call > tokens.REPLY_PRIMING_TOKENS + tokens.TOKENS_PER_MESSAGE
