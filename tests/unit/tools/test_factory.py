"""Tool settings and the registry factory: flags, validation, and refusing without a sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from llm_gateway.core.config import SettingsError, ToolSettings, load_settings
from llm_gateway.tools import ToolErrorCode, builtin_tool_specs, create_tool_registry


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def test_tool_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_TOOLS__CODE_EXECUTOR_MODE", "unsafe-rlimits-only")
    monkeypatch.setenv("LLMGW_TOOLS__WEB_SEARCH_URL", "http://127.0.0.1:8888/")
    monkeypatch.setenv("LLMGW_TOOLS__CURRENT_TIME_DEFAULT_TIMEZONE", "Asia/Seoul")
    tools = load_settings(_env_file=None).tools
    assert tools.code_executor_mode == "unsafe-rlimits-only"
    assert tools.web_search_url == "http://127.0.0.1:8888"
    assert tools.current_time_default_timezone == "Asia/Seoul"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LLMGW_TOOLS__CURRENT_TIME_DEFAULT_TIMEZONE", "Nowhere/Land"),
        ("LLMGW_TOOLS__CODE_EXECUTOR_MODE", "yolo"),
        ("LLMGW_TOOLS__WEB_SEARCH_URL", "ftp://search"),
        ("LLMGW_TOOLS__CODE_EXECUTOR_MEMORY_MB", "1"),
    ],
)
def test_invalid_tool_setting_stops_startup_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings(_env_file=None)


async def test_default_registry_offers_every_configured_tool(http: aiohttp.ClientSession) -> None:
    settings = ToolSettings(code_executor_mode="disabled", web_search_url="http://127.0.0.1:9/")
    registry = await create_tool_registry(settings, http)
    assert registry.names() == ["calculator", "current_time", "web_search"]
    offered = [t["function"]["name"] for t in registry.openai_tools()]
    assert offered == registry.names()
    result = await registry.execute("calculator", '{"expression": "6 * 7"}')
    assert result.output == "6 * 7 = 42"


async def test_web_search_without_a_backend_is_not_offered(http: aiohttp.ClientSession) -> None:
    registry = await create_tool_registry(ToolSettings(code_executor_mode="disabled"), http)
    assert "web_search" not in registry.names()
    result = await registry.execute("web_search", '{"query": "news"}')
    assert result.error_code == ToolErrorCode.NOT_CONFIGURED
    assert "LLMGW_TOOLS__WEB_SEARCH_URL" in result.output


async def test_disabled_tools_are_not_offered_and_say_so(http: aiohttp.ClientSession) -> None:
    settings = ToolSettings(
        calculator_enabled=False,
        current_time_enabled=False,
        web_search_enabled=False,
        code_executor_mode="disabled",
    )
    registry = await create_tool_registry(settings, http)
    assert registry.openai_tools() == []
    for name in ("calculator", "current_time", "web_search", "code_executor"):
        result = await registry.execute(name, "{}")
        assert result.error_code == ToolErrorCode.DISABLED, name
        assert "disabled by the operator" in result.output


async def test_missing_sandbox_refuses_with_a_clear_error(http: aiohttp.ClientSession) -> None:
    settings = ToolSettings(code_executor_bwrap="no-such-bwrap-binary")
    registry = await create_tool_registry(settings, http)
    assert "code_executor" not in registry.names()
    result = await registry.execute("code_executor", '{"code": "print(1)"}')
    assert result.error_code == ToolErrorCode.SANDBOX_UNAVAILABLE
    assert "bubblewrap (bwrap) is not installed" in result.output
    assert "code is not run" in result.output


def test_catalogue_lists_every_builtin_tool_without_settings() -> None:
    specs = {spec.name: spec for spec in builtin_tool_specs()}
    assert set(specs) == {"calculator", "current_time", "web_search", "code_executor"}
    assert all(spec.description and spec.parameters["type"] == "object" for spec in specs.values())
