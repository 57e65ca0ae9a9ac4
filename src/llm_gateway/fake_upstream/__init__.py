"""A fake LLM upstream speaking the OpenAI, Anthropic and Ollama protocols, for tests and demos.

Deterministic replies (``content``), knobs and scripted faults (``behaviour``), and the server
(``server.FakeUpstream``), which tests start in-process on an ephemeral port.
"""

from llm_gateway.fake_upstream.behaviour import Behaviour, Knobs
from llm_gateway.fake_upstream.server import FakeUpstream

__all__ = ["Behaviour", "FakeUpstream", "Knobs"]
