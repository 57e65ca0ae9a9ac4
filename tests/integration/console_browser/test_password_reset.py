"""Forgotten password: ask on the reset page, open the mailed link, choose a new password."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.integration.console_browser.console import PASSWORD, Console, unique_email
from tests.integration.console_browser.flows import LOGIN, login

NEW_PASSWORD = "a brand new passphrase for Seoul"


async def submit_login(page: Page, email: str, password: str) -> None:
    await page.goto("/ui/login")
    await page.locator("input[name=email]").fill(email)
    await page.locator("input[name=password]").fill(password)
    await page.get_by_test_id("login-submit").click()


async def test_reset_by_mailed_link(page: Page, console: Console) -> None:
    email = unique_email("forgetful")
    await console.register(email)
    await page.goto("/ui/login")
    await page.locator("a[href$='/ui/reset']").click()
    await page.locator("input[name=email]").fill(email)
    await page.get_by_test_id("forgot-submit").click()
    await expect(page.get_by_test_id("reset-sent")).to_be_visible()

    link = await console.mailed_link(email)
    assert link.startswith(console.url("/ui/reset?token="))
    await page.goto(link)
    await page.locator("input[name=password]").fill(NEW_PASSWORD)
    await page.get_by_test_id("reset-submit").click()
    await expect(page.get_by_test_id("reset-done")).to_be_visible()

    await submit_login(page, email, PASSWORD)  # the old password no longer works
    await expect(page.get_by_test_id("form-error")).to_be_visible()
    await login(page, email, NEW_PASSWORD)

    await page.get_by_test_id("logout").click()
    await page.wait_for_url(LOGIN)
    await page.goto(link)  # the link works once
    await page.locator("input[name=password]").fill("yet another passphrase here")
    await page.get_by_test_id("reset-submit").click()
    await expect(page.get_by_test_id("form-error")).to_be_visible()
    await submit_login(page, email, "yet another passphrase here")
    await expect(page.get_by_test_id("form-error")).to_be_visible()
