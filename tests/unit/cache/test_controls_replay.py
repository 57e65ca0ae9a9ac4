"""Request controls parsing, and a cached answer replayed then reassembled unchanged."""

from __future__ import annotations

import pytest

from llm_gateway.cache.assemble import StreamAssembler
from llm_gateway.cache.controls import CacheControls, read_controls
from llm_gateway.cache.keys import canonical_request, is_deterministic
from llm_gateway.cache.replay import completion_chunks
from llm_gateway.core.exceptions import InvalidRequestError


def test_controls_from_headers_and_body_and_the_body_field_is_removed() -> None:
    body = {"model": "m", "cache": {"no-store": True, "ttl": 60}}
    controls = read_controls(body, [(b"cache-control", b"max-age=0, No-Cache")])
    assert controls == CacheControls(no_cache=True, no_store=True, ttl_s=60)
    assert "cache" not in body
    assert read_controls({}, [(b"x-gateway-cache-ttl", b"30")]).ttl_s == 30


@pytest.mark.parametrize(
    "field", [{"ttl": 0}, {"ttl": True}, {"no-cache": "yes"}, {"other": 1}, [], "x"]
)
def test_bad_controls_are_client_errors(field: object) -> None:
    with pytest.raises(InvalidRequestError):
        read_controls({"cache": field}, [])


def test_key_ignores_transport_fields_but_not_sampling() -> None:
    base = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0}
    assert canonical_request(base) == canonical_request({**base, "stream": True, "user": "u"})
    assert canonical_request(base) != canonical_request({**base, "top_p": 0.5})
    assert is_deterministic(base)
    assert not is_deterministic({**base, "temperature": 0.2})
    assert not is_deterministic({**base, "n": 2})


def test_replayed_chunks_reassemble_to_the_same_answer() -> None:
    response = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "word " * 40,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 40},
    }
    assembler = StreamAssembler()
    chunks = completion_chunks(response)
    assert len(chunks) > 4
    for chunk in chunks:
        assembler.observe(chunk)
    rebuilt = assembler.response()
    assert rebuilt["choices"][0]["message"] == response["choices"][0]["message"]
    assert rebuilt["choices"][0]["finish_reason"] == "tool_calls"
    assert rebuilt["usage"] == response["usage"]
