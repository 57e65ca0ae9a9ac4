"""The web_search tool: top results (title, URL, snippet) from a pluggable search backend."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import aiohttp

from llm_gateway.core.config import ToolSettings
from llm_gateway.tools.base import Tool, ToolResult
from llm_gateway.tools.search_backends import SearchBackend, SearxNGBackend, UnconfiguredBackend


def create_search_backend(settings: ToolSettings, http: aiohttp.ClientSession) -> SearchBackend:
    """The configured backend, or one that reports "not configured" when no URL is set."""
    if not settings.web_search_url:
        return UnconfiguredBackend()
    return SearxNGBackend(settings.web_search_url, http, timeout_s=settings.web_search_timeout_s)


class WebSearch(Tool):
    """Searches the web and lists the top hits for the model to read and cite."""

    name: ClassVar[str] = "web_search"
    description: ClassVar[str] = (
        "Search the web for current information, news, facts or documentation. Returns the top "
        "results with title, URL and a short snippet. Use for questions about recent events or "
        "anything that needs up-to-date sources."
    )
    parameters: ClassVar[Mapping[str, Any]] = MappingProxyType(
        {
            "type": "object",
            "properties": {
                "query": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 500,
                    "description": "The search query, in the user's language.",
                },
                "max_results": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 20,
                    "description": "How many results to return (the server caps it).",
                },
            },
            "required": ["query"],
            "additionalProperties": False,
        }
    )

    def __init__(
        self,
        backend: SearchBackend,
        *,
        timeout_s: float,
        max_output_chars: int,
        max_results: int = 5,
    ) -> None:
        super().__init__(timeout_s=timeout_s, max_output_chars=max_output_chars)
        self.backend = backend
        self._max_results = max_results

    async def run(self, args: dict[str, Any]) -> ToolResult:
        query = " ".join(str(args["query"]).split())
        wanted = min(int(args.get("max_results") or self._max_results), self._max_results)
        hits = await self.backend.search(query, max_results=wanted)
        data = {
            "query": query,
            "backend": self.backend.name,
            "results": [{"title": h.title, "url": h.url, "snippet": h.snippet} for h in hits],
        }
        if not hits:
            return ToolResult.success(f'No web results for "{query}".', data=data)
        lines = [f'Web results for "{query}":']
        for number, hit in enumerate(hits, start=1):
            lines.append(f"{number}. {hit.title}\n   {hit.url}")
            if hit.snippet:
                lines.append(f"   {hit.snippet}")
        return ToolResult.success("\n".join(lines), data=data)
