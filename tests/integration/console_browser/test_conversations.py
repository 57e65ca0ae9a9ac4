"""The chat playground's conversation list: new chat, rename, search, delete, reopen."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.integration.console_browser.console import unique_email
from tests.integration.console_browser.flows import register, send_chat


async def test_rename_search_delete_and_reopen(page: Page) -> None:
    await register(page, unique_email("kim"))
    first = await send_chat(page, "Suggest a sunny morning in Gyeongju with temples and bread")
    await expect(first).to_contain_text("sunny morning in Gyeongju")
    await page.get_by_test_id("new-chat").click()
    await expect(page.get_by_test_id("assistant-message")).to_have_count(0)
    second = await send_chat(page, "Suggest a rainy afternoon in Incheon with museums and tea")
    await expect(second).to_contain_text("rainy afternoon in Incheon")
    items = page.get_by_test_id("conversation-item")
    await expect(items).to_have_count(2)

    await items.first.get_by_test_id("conversation-rename").click()
    title = page.get_by_test_id("conversation-title-input")
    await title.fill("Picnic ideas")
    await title.press("Enter")
    renamed = items.filter(has_text="Picnic ideas")
    await expect(renamed).to_have_count(1)

    search = page.get_by_test_id("conversation-search")
    await search.fill("picnic")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("Picnic ideas")
    await search.fill("")
    await expect(items).to_have_count(2)

    await renamed.get_by_test_id("conversation-delete").click()
    await expect(items).to_have_count(1)
    await page.reload()  # the list comes from the server: the deletion and the title stay
    await expect(items).to_have_count(1)
    await expect(renamed).to_have_count(0)

    await items.first.get_by_role("button").first.click()  # open the one that is left
    reply = page.get_by_test_id("assistant-message")
    await expect(reply).to_have_count(1)
    either = re.compile("sunny morning in Gyeongju|rainy afternoon in Incheon")
    await expect(reply).to_contain_text(either)
