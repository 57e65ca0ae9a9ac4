"""Korean and English: the browser's language by default, the picker, and ?lang= remembered."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.integration.console_browser.browser import Screens
from tests.integration.console_browser.console import ContextFactory, unique_email
from tests.integration.console_browser.flows import register

HANGUL = re.compile(r"[\uac00-\ud7a3]")


async def submit_label(page: Page) -> str:
    return (await page.get_by_test_id("login-submit").inner_text()).strip()


async def test_language_follows_the_browser_then_the_picker(
    new_context: ContextFactory, screens: Screens
) -> None:
    context = await new_context(locale="ko-KR")  # sends Accept-Language: ko-KR
    page = await context.new_page()
    await page.goto("/ui/login")
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert HANGUL.search(await submit_label(page))
    await screens.save(page, "login-ko")

    await page.get_by_test_id("lang-picker").select_option("en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert not HANGUL.search(await submit_label(page))
    await page.goto("/ui/register")  # the choice is kept (llmgw_lang cookie) over Accept-Language
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "llmgw_lang" in {c["name"] for c in await context.cookies()}

    await page.goto("/ui/login?lang=ko")
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
    await register(page, unique_email("minji"))
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert HANGUL.search(await page.get_by_test_id("nav-keys").inner_text())
    assert HANGUL.search(await page.get_by_test_id("chat-send").inner_text())


async def test_english_browser_gets_english(page: Page) -> None:
    await page.goto("/ui/login")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert not HANGUL.search(await submit_label(page))
