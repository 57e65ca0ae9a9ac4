"""The interface each fake wire protocol implements (OpenAI, Anthropic, Ollama)."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from llm_gateway.fake_upstream.content import Prompt, Reply


class BadRequest(ValueError):
    """The fake received a request the real API would refuse with a 400."""


class Wire(abc.ABC):
    """Parse one protocol's request into a ``Prompt`` and render a ``Reply`` back in it."""

    name: ClassVar[str]
    stream_content_type: ClassVar[str] = "text/event-stream"
    malformed_body: ClassVar[bytes] = b'{"id": "truncated", "choices": ['

    def check_headers(self, headers: Mapping[str, str]) -> str | None:
        """A message when required protocol headers are missing (checked before parsing)."""
        return None

    @abc.abstractmethod
    def parse(self, body: dict[str, Any]) -> Prompt:
        """Raise ``BadRequest`` for what the real API would reject."""

    @abc.abstractmethod
    def render(self, prompt: Prompt, reply: Reply) -> dict[str, Any]:
        """The non-streaming response body."""

    @abc.abstractmethod
    def frames(self, prompt: Prompt, reply: Reply) -> Iterator[bytes]:
        """The streamed response, one wire frame (event or line) per item, in order."""

    @abc.abstractmethod
    def error_body(self, status: int, message: str) -> dict[str, Any]:
        """An HTTP error body as the real API sends it."""

    @abc.abstractmethod
    def error_frame(self, message: str) -> bytes:
        """The in-stream error event."""

    @abc.abstractmethod
    def malformed_frame(self) -> bytes:
        """A frame whose JSON is cut short."""


def text_of(content: Any) -> str:
    """Text from a string or a list of parts/blocks of type ``text``."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def require(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    if not isinstance(value, kind):
        raise BadRequest(f"'{key}' is required and must be a {kind.__name__}")
    return value
