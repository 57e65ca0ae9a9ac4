"""Web search backends behind one interface; SearxNG's JSON API is the default."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from llm_gateway.tools.base import ToolError, ToolErrorCode

MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # a results page is far smaller; more is a broken backend
MAX_SNIPPET_CHARS = 400


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result as the model sees it."""

    title: str
    url: str
    snippet: str


class SearchBackend(ABC):
    """A search engine the web_search tool can query."""

    name: str = "backend"

    @abstractmethod
    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        """Up to ``max_results`` hits for ``query``, best first.

        Raises:
            ToolError: ``not_configured``, ``upstream_error`` or ``timeout``.
        """


class UnconfiguredBackend(SearchBackend):
    """Stands in when no search URL is set, so the model is told rather than the call crashing."""

    name = "unconfigured"

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        raise ToolError(
            ToolErrorCode.NOT_CONFIGURED,
            "web search is not configured on this server (LLMGW_TOOLS__WEB_SEARCH_URL is unset)",
        )


class SearxNGBackend(SearchBackend):
    """``GET {base_url}/search?q=...&format=json`` over the shared aiohttp session."""

    name = "searxng"

    def __init__(self, base_url: str, http: aiohttp.ClientSession, *, timeout_s: float) -> None:
        self._url = base_url.rstrip("/") + "/search"
        self._http = http
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        params = {"q": query, "format": "json", "safesearch": "1"}
        try:
            async with self._http.get(
                self._url, params=params, timeout=self._timeout, allow_redirects=False
            ) as resp:
                status = resp.status
                body = await _read_limited(resp) if status == 200 else b""
        except TimeoutError:
            raise ToolError(
                ToolErrorCode.TIMEOUT, "the search backend did not answer in time"
            ) from None
        except aiohttp.ClientError as exc:
            raise ToolError(
                ToolErrorCode.UPSTREAM_ERROR,
                f"could not reach the search backend ({type(exc).__name__})",
            ) from None
        if status != 200:
            hint = " (is 'json' listed in SearxNG's search.formats?)" if status == 403 else ""
            raise ToolError(
                ToolErrorCode.UPSTREAM_ERROR, f"the search backend answered HTTP {status}{hint}"
            )
        return parse_searxng(body, max_results)


async def _read_limited(resp: aiohttp.ClientResponse) -> bytes:
    """The body, refusing (without buffering it) one larger than MAX_RESPONSE_BYTES."""
    body = bytearray()
    async for chunk in resp.content.iter_chunked(65536):
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            raise ToolError(
                ToolErrorCode.UPSTREAM_ERROR, "the search backend's answer is too large"
            )
    return bytes(body)


def parse_searxng(body: bytes, max_results: int) -> list[SearchHit]:
    """Hits from a SearxNG JSON page; entries without an http(s) URL are skipped.

    Raises:
        ToolError: ``upstream_error`` when the body is not SearxNG's JSON shape.
    """
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ToolError(
            ToolErrorCode.UPSTREAM_ERROR, "the search backend returned invalid JSON"
        ) from None
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise ToolError(
            ToolErrorCode.UPSTREAM_ERROR, "the search backend's JSON has no 'results' list"
        )
    hits: list[SearchHit] = []
    for item in results:
        if len(hits) >= max_results:
            break
        if not isinstance(item, dict):
            continue
        url = _clean(item.get("url"), 2000)
        if not url.startswith(("http://", "https://")):
            continue
        title = _clean(item.get("title"), 300) or url
        hits.append(SearchHit(title, url, _clean(item.get("content"), MAX_SNIPPET_CHARS)))
    return hits


def _clean(value: object, limit: int) -> str:
    """One line of printable text at most ``limit`` characters long."""
    if not isinstance(value, str):
        return ""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
