"""Administration in the browser: an admin moves a user to another tier and the user sees it;
a non-admin reaches neither the admin pages nor the admin API from the page."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.integration.console_browser.browser import PHONE, Screens
from tests.integration.console_browser.console import (
    PASSWORD,
    Console,
    ContextFactory,
    unique_email,
)
from tests.integration.console_browser.flows import (
    LOGIN,
    Layout,
    limits,
    login,
    page_fetch,
    register,
    send_chat,
    usage_after,
    usage_figures,
)

ADMIN_PAGES = [
    "/ui/admin",
    "/ui/admin/users",
    "/ui/admin/keys",
    "/ui/admin/usage",
    "/ui/admin/models",
]
# The shipped tiers (core/config/quotas.py): free allows 20 requests a minute, pro 300.
FREE_RPM, PRO_RPM = "20", "300"


async def signed_in(new_context: ContextFactory, email: str) -> Page:
    page = await (await new_context()).new_page()
    await login(page, email)
    return page


async def new_limits_after_reload(page: Page, tier: str) -> dict[str, Any]:
    """/ui/usage until it shows ``tier`` (other instances learn of the change through the store)."""
    seen: dict[str, Any] = {}
    for _ in range(20):
        seen = await limits(page)
        if seen["tier"] == tier:
            break
        await asyncio.sleep(0.5)
    return seen


async def test_admin_moves_a_user_to_another_tier(
    new_context: ContextFactory, console: Console, screens: Screens
) -> None:
    user, admin = unique_email("user"), unique_email("admin")
    await console.register(user)
    await console.make_admin(admin)
    user_page = await signed_in(new_context, user)
    figures = await usage_figures(user_page)
    reply = await send_chat(user_page, "What is the weather like in Busan in May?", model="demo")
    await expect(reply).to_contain_text("weather like in Busan")
    await usage_after(user_page, figures)  # recorded: the admin's dashboard counts it too
    before = await limits(user_page)
    assert before["tier"] == "free"
    assert FREE_RPM in before["rows"]["requests_per_minute"]

    admin_page = await signed_in(new_context, admin)
    await admin_page.get_by_test_id("nav-admin").click()
    await admin_page.wait_for_url("**/ui/admin")
    await screens.save(admin_page, "admin-dashboard")
    row = await find_user_row(admin_page, user)
    await row.get_by_test_id("user-tier").select_option("pro")
    await row.get_by_test_id("user-save").click()
    await expect(admin_page.get_by_test_id("notice")).to_be_visible()
    row = admin_page.locator(f'tr[data-testid=user-row][data-email="{user}"]')
    await expect(row.get_by_test_id("user-tier")).to_have_value("pro")

    after = await new_limits_after_reload(user_page, "pro")
    assert after["tier"] == "pro"
    assert PRO_RPM in after["rows"]["requests_per_minute"]

    # The same admin can call the admin API from the page (the refusals below are about roles).
    allowed = await page_fetch(admin_page, "/ui/api/admin/users")
    assert allowed["status"] == 200, allowed
    await admin_page.goto("/ui/admin/users")
    await screens.save(admin_page, "admin-users")
    await admin_page.goto("/ui/admin/models")
    await screens.save(admin_page, "admin-models")
    await admin_page.set_viewport_size(PHONE)
    layout = Layout()
    for name, path in (
        ("admin-dashboard", "/ui/admin"),
        ("admin-users", "/ui/admin/users"),
        ("admin-models", "/ui/admin/models"),
    ):
        await admin_page.goto(path)
        await screens.save(admin_page, name)
        await layout.check(admin_page)
    layout.verdict()


async def test_a_user_cannot_reach_admin_pages_or_their_api(page: Page, console: Console) -> None:
    email = unique_email("mallory")
    await register(page, email)
    await expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    for path in ADMIN_PAGES:
        response = await page.goto(path)
        assert response is not None
        assert response.status == 403, path
        await expect(page.get_by_test_id("forbidden")).to_be_visible()

    await page.goto("/ui/chat")
    me = await console.user_id(email)
    for method, path, body in (
        ("GET", "/ui/api/admin/users", None),
        ("GET", "/ui/api/admin/dashboard", None),
        ("GET", "/ui/api/admin/usage", None),
        ("PATCH", f"/ui/api/admin/users/{me}", {"role": "admin", "tier": "enterprise"}),
        ("POST", f"/ui/api/admin/users/{me}/revoke-keys", None),
    ):
        refused = await page_fetch(page, path, method, body)
        assert refused["status"] == 403, (path, refused)
        assert "csrf" not in refused["text"].lower(), refused  # refused for the role, not the token
    direct = await page_fetch(page, "/admin/users")  # the JSON API itself takes no cookies
    assert direct["status"] == 401, direct

    response = await page.goto("/ui/admin")  # the PATCH above changed nothing
    assert response is not None
    assert response.status == 403
    assert (await limits(page))["tier"] == "free"


async def find_user_row(admin_page: Page, email: str) -> Locator:
    await admin_page.goto("/ui/admin/users")
    await admin_page.get_by_test_id("user-search").fill(email)
    await admin_page.get_by_test_id("user-search").press("Enter")
    row = admin_page.locator(f'tr[data-testid=user-row][data-email="{email}"]')
    await expect(row).to_have_count(1)
    return row


async def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(
    new_context: ContextFactory, console: Console
) -> None:
    user, admin = unique_email("leaving"), unique_email("admin")
    await console.register(user)
    await console.make_admin(admin)
    user_page = await signed_in(new_context, user)
    admin_page = await signed_in(new_context, admin)

    row = await find_user_row(admin_page, user)
    await row.get_by_test_id("user-active").uncheck()
    await row.get_by_test_id("user-save").click()
    await expect(admin_page.get_by_test_id("notice")).to_be_visible()

    for _ in range(20):  # other instances learn of it through the store
        await user_page.goto("/ui/keys")
        if LOGIN.search(user_page.url):
            break
        await asyncio.sleep(0.5)
    assert LOGIN.search(user_page.url), user_page.url
    await user_page.locator("input[name=email]").fill(user)
    await user_page.locator("input[name=password]").fill(PASSWORD)
    await user_page.get_by_test_id("login-submit").click()
    await expect(user_page.get_by_test_id("form-error")).to_be_visible()
    await expect(user_page.get_by_test_id("current-user")).to_have_count(0)


async def test_admin_exports_usage_as_csv(new_context: ContextFactory, console: Console) -> None:
    user, admin = unique_email("busy"), unique_email("admin")
    await console.register(user)
    await console.make_admin(admin)
    user_page = await signed_in(new_context, user)
    figures = await usage_figures(user_page)
    await send_chat(user_page, "What is the weather like in Daegu in July?", model="demo")
    await usage_after(user_page, figures)

    admin_page = await signed_in(new_context, admin)
    await admin_page.goto("/ui/admin/usage")
    async with admin_page.expect_download() as started:
        await admin_page.get_by_test_id("usage-csv").click()
    download = await started.value
    assert download.suggested_filename.endswith(".csv")
    saved = Path(await download.path())
    rows = list(csv.DictReader(io.StringIO(await asyncio.to_thread(saved.read_text, "utf-8"))))
    assert rows, "the export has a header and no rows"
    assert sum(int(r["requests"]) for r in rows) >= 1
    assert sum(int(r["total_tokens"]) for r in rows) > 0
