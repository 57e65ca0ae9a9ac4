"""What a person does in the console, step by step, through the stable selectors of the contract.

Every step waits for what the person would wait for (the next page, the reply's end) and
nothing more; assertions about the outcome stay in the tests.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Locator, Page, expect

from tests.integration.console_browser.console import PASSWORD

SIGNED_IN_OR_LOGIN = re.compile(r"/ui/(chat|login)(\?.*)?$")
LOGIN = re.compile(r"/ui/login(\?.*)?$")
ON_CHAT = re.compile(r"/ui/chat(\?.*)?$")

# Records each text the newest assistant reply held, as the page appends tokens to it.
# (Evaluated through the DevTools protocol, so the page's CSP does not apply to it.)
WATCH_REPLY = """() => {
  window.__replyTexts = [];
  new MutationObserver(() => {
    const replies = document.querySelectorAll('[data-testid=assistant-message]');
    const last = replies[replies.length - 1];
    if (last && last.dataset.done !== 'true') window.__replyTexts.push(last.textContent);
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


async def register(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill the registration form; sign in too when the console sends us to the login page."""
    await page.goto("/ui/register")
    await page.locator("input[name=email]").fill(email)
    await page.locator("input[name=password]").fill(password)
    await page.get_by_test_id("register-submit").click()
    await page.wait_for_url(SIGNED_IN_OR_LOGIN)
    if LOGIN.search(page.url):
        await login(page, email, password)
    await expect(page.get_by_test_id("current-user")).to_have_text(email)


async def login(page: Page, email: str, password: str = PASSWORD) -> None:
    if not LOGIN.search(page.url):
        await page.goto("/ui/login")
    await page.locator("input[name=email]").fill(email)
    await page.locator("input[name=password]").fill(password)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("current-user")).to_have_text(email)


async def open_menu_if_folded(page: Page) -> None:
    """On a phone the header may fold its links behind [data-testid=nav-toggle]."""
    toggle = page.get_by_test_id("nav-toggle")
    if await toggle.count() and await toggle.is_visible():
        if await toggle.get_attribute("aria-expanded") != "true":
            await toggle.click()


async def logout(page: Page) -> None:
    await open_menu_if_folded(page)
    await page.get_by_test_id("logout").click()
    await page.wait_for_url(LOGIN)


async def create_key(page: Page, name: str, expires_in_days: int | None = None) -> str:
    """Create an API key on /ui/keys with the offered scopes; returns the secret shown once."""
    await page.goto("/ui/keys")
    await page.locator("input[name=name]").fill(name)
    if expires_in_days is not None:
        await page.locator("input[name=expires_in_days]").fill(str(expires_in_days))
    await page.get_by_test_id("key-create").click()
    secret = page.get_by_test_id("key-secret")
    await expect(secret).to_be_visible()
    return (await secret.inner_text()).strip()


async def send_chat(page: Page, message: str, model: str | None = None) -> Locator:
    """Send ``message`` from /ui/chat and wait for the streamed reply to end; returns the reply."""
    if not ON_CHAT.search(page.url):
        await page.goto("/ui/chat")
    if model is not None:
        await page.get_by_test_id("model-picker").select_option(model)
    replies = page.get_by_test_id("assistant-message")
    before = await replies.count()
    await page.evaluate(WATCH_REPLY)
    await page.get_by_test_id("chat-input").fill(message)
    await page.get_by_test_id("chat-send").click()
    await expect(replies).to_have_count(before + 1)
    reply = replies.nth(before)
    await expect(reply).to_have_attribute("data-done", "true", timeout=60_000)
    return reply


async def texts_while_streaming(page: Page) -> list[str]:
    """The reply's text at each change before it was marked done (see WATCH_REPLY)."""
    texts: list[str] = await page.evaluate("window.__replyTexts")
    return texts


async def usage_figures(page: Page) -> dict[str, float]:
    """The numbers on /ui/usage (requests, tokens, cost), read as a person reads them."""
    await page.goto("/ui/usage")
    figures: dict[str, float] = {}
    for name in ("requests", "tokens", "cost"):
        text = await page.get_by_test_id(f"usage-{name}").inner_text()
        figures[name] = float(re.sub(r"[^0-9.]", "", text) or "nan")
    return figures


async def usage_after(
    page: Page, before: dict[str, float], calls: int = 1, attempts: int = 40
) -> dict[str, float]:
    """Reload /ui/usage until it counts ``calls`` more requests than ``before`` (usage is
    written in batches, about once a second)."""
    figures = before
    for _ in range(attempts):
        figures = await usage_figures(page)
        if figures["requests"] >= before["requests"] + calls:
            break
        await asyncio.sleep(0.5)
    return figures


async def limits(page: Page) -> dict[str, Any]:
    """The tier and each limit row's words on /ui/usage, by limit name (``data-limit``)."""
    await page.goto("/ui/usage")
    rows = page.get_by_test_id("limit-row")
    words: dict[str, list[str]] = {}
    for i in range(await rows.count()):
        row = rows.nth(i)
        words[str(await row.get_attribute("data-limit"))] = (await row.inner_text()).split()
    tier = (await page.get_by_test_id("limit-tier").first.inner_text()).strip()
    return {"tier": tier, "rows": words}


async def overflow_px(page: Page) -> int:
    """How far the page is wider than the screen (> 1: the whole page scrolls sideways)."""
    overflow: int = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return overflow


async def page_fetch(
    page: Page, path: str, method: str = "GET", body: Any = None
) -> dict[str, Any]:
    """``fetch`` from inside the page, as the console's own scripts call the JSON API
    (same-origin credentials, the page's CSRF token as ``X-CSRF-Token``)."""
    result: dict[str, Any] = await page.evaluate(
        """async ([path, method, body]) => {
          const meta = document.querySelector('meta[name="csrf-token"]');
          const headers = {'Content-Type': 'application/json'};
          if (meta) headers['X-CSRF-Token'] = meta.content;
          const init = {method, headers, credentials: 'same-origin'};
          if (body !== null) init.body = JSON.stringify(body);
          const response = await fetch(path, init);
          return {status: response.status, text: await response.text()};
        }""",
        [path, method, body],
    )
    return result


class Layout:
    """Pages wider than the screen (the whole page scrolls sideways), judged at the end."""

    def __init__(self) -> None:
        self.too_wide: dict[str, int] = {}

    async def check(self, page: Page) -> None:
        overflow = await overflow_px(page)
        if overflow > 1:
            self.too_wide[urlsplit(page.url).path] = overflow

    def verdict(self) -> None:
        report = ", ".join(f"{path} by {px}px" for path, px in self.too_wide.items())
        assert not self.too_wide, f"wider than the screen: {report}"
