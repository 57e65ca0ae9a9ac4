"""Browser fixtures: one Chromium per session, one served gateway per module, a context per test.

The gateway is the real ``llm-gateway serve`` process (the one the client-program tests start) with
its bundled demo upstream, on the session's backend pair: SQLite + in-process store, and
PostgreSQL + Redis. Each test gets a fresh browser context (its own cookies and storage), and
fails if a page broke the Content-Security-Policy or threw an uncaught error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    WebError,
    async_playwright,
    expect,
)

from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.clients.gateway import gateway_env, serve
from tests.integration.console_browser.browser import DESKTOP, Screens, find_chromium
from tests.integration.console_browser.console import Console
from tests.system_tools import missing_tool

# argon2 at its cheapest: every test registers and signs in several accounts.
FAST_ARGON2 = {
    "LLMGW_SECURITY__ARGON2_TIME_COST": "1",
    "LLMGW_SECURITY__ARGON2_MEMORY_KIB": "64",
    "LLMGW_SECURITY__ARGON2_PARALLELISM": "1",
}
expect.set_options(timeout=15_000)  # a shared 2-core box: pages and streams may be slow


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    executable = find_chromium()
    if executable is None:
        missing_tool("Chromium (for the console browser tests)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture(scope="module")
async def console(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Console]:
    """``llm-gateway serve`` for this module's tests (accounts are unique per test)."""
    cwd = tmp_path_factory.mktemp("console")
    env = gateway_env(backend, **FAST_ARGON2)
    base = f"http://127.0.0.1:{env['LLMGW_SERVER__PORT']}"
    # Reset e-mails go to the log (the test environment's notifier) with a link to the console.
    env["LLMGW_AUTH__RESET_URL_TEMPLATE"] = base + "/ui/reset?token={token}"
    demo = f"http://127.0.0.1:{env['LLMGW_PROVIDERS__DEMO_UPSTREAM_PORT']}"
    try:
        async with serve(env, cwd) as gateway:
            console = Console(gateway.base_url, backend.name, demo, gateway.log)
            await console.pace_tokens(0.02)
            yield console
    finally:
        await truncate_all(backend.database_url)


@pytest.fixture
def screens(console: Console) -> Screens:
    return Screens(console.backend)


class BrowserProblems:
    """CSP violations and uncaught page errors seen by one context."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.seen.append(f"CSP: {message.text}")

    def on_error(self, error: WebError) -> None:
        self.seen.append(f"uncaught: {error.error}")


@pytest.fixture
async def new_context(chromium: Browser, console: Console) -> AsyncIterator[Any]:
    """Factory for fresh contexts (a test with two users opens two); all are checked and closed."""
    opened: list[tuple[BrowserContext, BrowserProblems]] = []

    async def make(**options: Any) -> BrowserContext:
        options = {"viewport": DESKTOP, "locale": "en-US", **options}
        context = await chromium.new_context(base_url=console.base_url, **options)
        problems = BrowserProblems()
        context.on("console", problems.on_console)
        context.on("weberror", problems.on_error)
        opened.append((context, problems))
        return context

    yield make
    seen = [p for _, problems in opened for p in problems.seen]
    for context, _ in opened:
        await context.close()
    assert not seen, "the pages reported problems:\n" + "\n".join(seen)


@pytest.fixture
async def page(new_context: Any) -> Page:
    """A page in a fresh desktop context."""
    context: BrowserContext = await new_context()
    return await context.new_page()
