"""web_search against a fake SearxNG on an ephemeral port: results, limits and every failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from llm_gateway.core.config import ToolSettings
from llm_gateway.tools import ToolErrorCode, ToolRegistry, create_tool_registry

RESULTS = [
    {"title": "Seoul weather", "url": "https://example.org/seoul", "content": "Sunny,\n 25 °C"},
    {"title": "No URL", "content": "skipped: no link"},
    {"title": "Bad scheme", "url": "javascript:alert(1)", "content": "skipped"},
    {"title": "", "url": "http://example.com/x", "content": "x" * 1000},
    {"title": "Third", "url": "https://example.net/3", "content": "three"},
]


@dataclass
class FakeSearx:
    """What the fake server answers next, and the queries it saw."""

    mode: str = "ok"
    queries: list[dict[str, str]] = field(default_factory=list)
    url: str = ""


FAKE_KEY = web.AppKey("fake", FakeSearx)


async def _search(request: web.Request) -> web.StreamResponse:
    fake = request.app[FAKE_KEY]
    fake.queries.append(dict(request.query))
    if fake.mode == "ok":
        return web.json_response({"query": request.query.get("q"), "results": RESULTS})
    if fake.mode == "empty":
        return web.json_response({"results": []})
    if fake.mode == "status":
        return web.Response(status=503, text="overloaded")
    if fake.mode == "forbidden":
        return web.Response(status=403, text="format not allowed")
    if fake.mode == "malformed":
        return web.Response(text='{"results": [', content_type="application/json")
    if fake.mode == "wrong_shape":
        return web.json_response({"answers": ["42"]})
    if fake.mode == "huge":
        return web.Response(body=b" " * (3 * 1024 * 1024), content_type="application/json")
    await asyncio.sleep(5)  # "slow"
    return web.json_response({"results": []})


@pytest.fixture
async def fake_searx() -> AsyncIterator[FakeSearx]:
    fake = FakeSearx()
    app = web.Application()
    app[FAKE_KEY] = fake
    app.router.add_get("/search", _search)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def make_registry(http: aiohttp.ClientSession, url: str | None, **kw: object) -> ToolRegistry:
    values: dict[str, object] = {
        "web_search_url": url,
        "web_search_timeout_s": 0.5,
        "web_search_max_results": 3,
        "code_executor_mode": "disabled",
        **kw,
    }
    return await create_tool_registry(ToolSettings(**values), http)  # type: ignore[arg-type]


async def test_results_are_listed_and_bad_entries_skipped(
    fake_searx: FakeSearx, http: aiohttp.ClientSession
) -> None:
    registry = await make_registry(http, fake_searx.url)
    result = await registry.execute("web_search", '{"query": "  weather   in Seoul "}')
    assert result.ok, result.output
    assert fake_searx.queries == [{"q": "weather in Seoul", "format": "json", "safesearch": "1"}]
    assert result.data is not None
    urls = [hit["url"] for hit in result.data["results"]]
    assert urls == ["https://example.org/seoul", "http://example.com/x", "https://example.net/3"]
    assert result.output.startswith('Web results for "weather in Seoul":\n1. Seoul weather\n')
    assert "Sunny, 25 °C" in result.output
    assert "javascript:" not in result.output
    assert result.data["results"][1]["title"] == "http://example.com/x"  # empty title → URL
    assert len(result.data["results"][1]["snippet"]) == 400


async def test_max_results_is_capped_by_settings(
    fake_searx: FakeSearx, http: aiohttp.ClientSession
) -> None:
    registry = await make_registry(http, fake_searx.url)
    one = await registry.execute("web_search", {"query": "q", "max_results": 1})
    many = await registry.execute("web_search", {"query": "q", "max_results": 20})
    assert one.data is not None
    assert many.data is not None
    assert len(one.data["results"]) == 1
    assert len(many.data["results"]) == 3


async def test_no_results_is_a_successful_empty_answer(
    fake_searx: FakeSearx, http: aiohttp.ClientSession
) -> None:
    fake_searx.mode = "empty"
    registry = await make_registry(http, fake_searx.url)
    result = await registry.execute("web_search", {"query": "zxqv"})
    assert result.ok
    assert result.output == 'No web results for "zxqv".'


@pytest.mark.parametrize(
    ("mode", "code", "fragment"),
    [
        ("status", ToolErrorCode.UPSTREAM_ERROR, "HTTP 503"),
        ("forbidden", ToolErrorCode.UPSTREAM_ERROR, "search.formats"),
        ("malformed", ToolErrorCode.UPSTREAM_ERROR, "invalid JSON"),
        ("wrong_shape", ToolErrorCode.UPSTREAM_ERROR, "no 'results' list"),
        ("huge", ToolErrorCode.UPSTREAM_ERROR, "too large"),
        ("slow", ToolErrorCode.TIMEOUT, "did not answer in time"),
    ],
)
async def test_backend_failures_are_structured_errors(
    fake_searx: FakeSearx,
    http: aiohttp.ClientSession,
    mode: str,
    code: ToolErrorCode,
    fragment: str,
) -> None:
    fake_searx.mode = mode
    registry = await make_registry(http, fake_searx.url)
    result = await registry.execute("web_search", {"query": "anything"})
    assert not result.ok
    assert result.error_code == code
    assert fragment in result.output


async def test_unreachable_backend_is_an_upstream_error(http: aiohttp.ClientSession) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # nothing listens on this port any more
    registry = await make_registry(http, f"http://127.0.0.1:{port}")
    result = await registry.execute("web_search", {"query": "anything"})
    assert result.error_code == ToolErrorCode.UPSTREAM_ERROR
    assert "could not reach the search backend" in result.output


async def test_unconfigured_search_says_so(http: aiohttp.ClientSession) -> None:
    registry = await make_registry(http, None)
    result = await registry.execute("web_search", {"query": "anything"})
    assert result.error_code == ToolErrorCode.NOT_CONFIGURED
    assert "LLMGW_TOOLS__WEB_SEARCH_URL" in result.output


async def test_long_result_pages_are_truncated_for_the_model(
    fake_searx: FakeSearx, http: aiohttp.ClientSession
) -> None:
    registry = await make_registry(http, fake_searx.url, max_output_chars=256)
    result = await registry.execute("web_search", {"query": "q"})
    assert result.ok
    assert result.truncated
    assert "[output truncated:" in result.output
