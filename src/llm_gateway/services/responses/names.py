"""Function names across the translation: namespaced tools flattened for chat upstreams and back.

A Responses ``namespace`` tool groups functions (Codex sends one for its sub-agent tools); chat
completions has no namespaces, so each member travels as ``<namespace>__<name>`` and the model's
call on it comes back as a ``function_call`` item with ``namespace`` and ``name`` split again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEPARATOR = "__"


@dataclass(slots=True)
class ToolNames:
    """The flattened names of this request's namespaced functions."""

    namespaced: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, namespace: str, name: str) -> str:
        flat = f"{namespace}{SEPARATOR}{name}"
        self.namespaced[flat] = (namespace, name)
        return flat

    def to_upstream(self, name: str, namespace: str | None) -> str:
        """The chat-completions name of ``namespace``'s function ``name``."""
        return f"{namespace}{SEPARATOR}{name}" if namespace else name

    def from_upstream(self, name: str) -> tuple[str | None, str]:
        """``(namespace, name)`` for a function name the upstream model called."""
        return self.namespaced.get(name, (None, name))
