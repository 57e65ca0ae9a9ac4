"""A person's first visit, at desktop and phone width: register, key, chat, usage, logout."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.integration.console_browser.browser import VIEWPORTS, Screens
from tests.integration.console_browser.console import Console, ContextFactory, unique_email
from tests.integration.console_browser.flows import (
    LOGIN,
    ON_CHAT,
    Layout,
    create_key,
    login,
    logout,
    register,
    send_chat,
    texts_while_streaming,
    usage_after,
    usage_figures,
)

QUESTION = (
    "What is the weather like on Jeju island in spring, what should I pack for a week of"
    " hiking on Hallasan, and where can I eat black pork near Seogwipo harbour?"
)


async def check_key_section(page: Page, console: Console, screens: Screens, layout: Layout) -> None:
    """Create a key: the secret is shown once, copies to the clipboard, and works with the API."""
    secret = await create_key(page, "laptop", expires_in_days=30)
    assert secret.startswith("sk-gw-")
    await screens.save(page, "keys")
    await layout.check(page)
    await page.get_by_test_id("key-copy").click()
    assert await page.evaluate("navigator.clipboard.readText()") == secret
    await page.goto("/ui/keys")  # coming back later (a reload would re-send the create form)
    await expect(page.get_by_test_id("key-secret")).to_have_count(0)
    row = page.get_by_test_id("key-row").filter(has_text="laptop")
    await expect(row).to_have_count(1)
    assert secret not in await page.content()  # shown once: never again
    answer = await console.call_with_key(secret)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_first_visit(
    new_context: ContextFactory, console: Console, screens: Screens, viewport: str
) -> None:
    context = await new_context(viewport=VIEWPORTS[viewport], has_touch=viewport == "phone")
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    layout = Layout()
    await page.goto("/ui/")
    await page.wait_for_url(LOGIN)  # not signed in: every page leads to the login form
    await screens.save(page, "login")
    await layout.check(page)

    email = unique_email("ada")
    await register(page, email)
    assert (await usage_figures(page))["requests"] == 0
    await check_key_section(page, console, screens, layout)  # one call with the new key
    before = await usage_after(page, {"requests": 0.0})
    assert before["requests"] == 1

    # Longer than the output guardrail's hold-back (48 characters), so text streams before the end.
    reply = await send_chat(page, QUESTION, model="demo")
    await expect(reply).to_contain_text("black pork near Seogwipo harbour")
    assert await reply.get_attribute("data-error") is None
    growing = [t for t in await texts_while_streaming(page) if t]
    assert len(set(growing)) >= 2, f"the reply did not arrive in pieces: {growing}"
    assert all(growing[i + 1].startswith(growing[i]) for i in range(len(growing) - 1))
    # "auto": the agent picks the model and the page shows what it decided.
    events = await page.get_by_test_id("agent-event").count()
    second = await send_chat(page, "And what about the autumn weather there?", model="auto")
    await expect(second).to_contain_text("autumn weather")
    assert await page.get_by_test_id("agent-event").count() > events
    await expect(page.get_by_test_id("conversation-item")).to_have_count(1)  # one conversation
    await screens.save(page, "chat")
    await layout.check(page)

    after = await usage_after(page, before, calls=2)  # the two chat turns
    assert after["requests"] >= before["requests"] + 2
    assert after["tokens"] > before["tokens"]
    assert after["cost"] > before["cost"]
    await screens.save(page, "usage")
    await layout.check(page)

    await logout(page)
    await page.goto("/ui/chat")
    await page.wait_for_url(LOGIN)
    await expect(page.get_by_test_id("current-user")).to_have_count(0)
    await login(page, email)
    await page.wait_for_url(ON_CHAT)
    layout.verdict()


async def test_wrong_password_is_refused_with_a_message(page: Page) -> None:
    await page.goto("/ui/login")
    await page.locator("input[name=email]").fill(unique_email("nobody"))
    await page.locator("input[name=password]").fill("not the password at all")
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("form-error")).to_be_visible()
    await expect(page.get_by_test_id("current-user")).to_have_count(0)
