"""What a screen-reader or keyboard user needs: named controls, one heading, charts with names,
and signing in with the keyboard alone."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.integration.console_browser.console import PASSWORD, Console, unique_email
from tests.integration.console_browser.flows import ON_CHAT, login, send_chat

# Form controls and buttons without an accessible name (label, aria-label/-labelledby, text).
UNNAMED = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')]
  .filter(el => {
    const labels = el.labels ? [...el.labels].map(l => l.textContent).join('') : '';
    const name = labels + (el.getAttribute('aria-label') || '') + (el.getAttribute('title') || '')
      + (el.getAttribute('aria-labelledby') ? 'ref' : '')
      + (el.tagName === 'BUTTON' ? el.textContent : '');
    return !name.trim();
  })
  .map(el => el.outerHTML.slice(0, 160))"""
# Charts drawn as images must say what they show.
NAMELESS_IMAGES = """() => [...document.querySelectorAll('svg, img, [role=img]')]
  .filter(el => el.getAttribute('aria-hidden') !== 'true')
  .filter(el => !((el.getAttribute('aria-label') || el.getAttribute('alt') || '')
    + (el.getAttribute('aria-labelledby') ? 'ref' : '')
    + (el.querySelector(':scope > title') ? el.querySelector(':scope > title').textContent : '')
  ).trim())
  .map(el => el.outerHTML.slice(0, 160))"""
PUBLIC_PAGES = ["/ui/login", "/ui/register", "/ui/reset"]
SIGNED_IN_PAGES = [
    "/ui/chat",
    "/ui/keys",
    "/ui/usage",
    "/ui/admin",
    "/ui/admin/users",
    "/ui/admin/keys",
    "/ui/admin/usage",
    "/ui/admin/models",
]


async def problems_on(page: Page, path: str) -> list[str]:
    await page.goto(path)
    found = [f"{path}: unnamed control {html}" for html in await page.evaluate(UNNAMED)]
    images = await page.evaluate(NAMELESS_IMAGES)
    found += [f"{path}: image without a name {html}" for html in images]
    headings = await page.locator("h1").count()
    if headings != 1:
        found.append(f"{path}: {headings} h1 headings")
    return found


async def test_every_page_names_its_controls_and_charts(page: Page, console: Console) -> None:
    found: list[str] = []
    for path in PUBLIC_PAGES:
        found += await problems_on(page, path)
    admin = unique_email("admin")
    await console.make_admin(admin)
    await login(page, admin)
    await send_chat(page, "What is the weather like in Gwangju in June?", model="demo")
    for path in SIGNED_IN_PAGES:  # an admin sees every page, with the chat's traffic in charts
        found += await problems_on(page, path)
    assert not found, "\n".join(found)


async def test_sign_in_with_the_keyboard_alone(page: Page, console: Console) -> None:
    email = unique_email("keys")
    await console.register(email)
    await page.goto("/ui/login")
    email_field = page.locator("input[name=email]")
    for _ in range(30):  # Tab from the top of the page until the e-mail field has the focus
        await page.keyboard.press("Tab")
        if await email_field.evaluate("el => el === document.activeElement"):
            break
    await expect(email_field).to_be_focused()
    await page.keyboard.type(email)
    await page.keyboard.press("Tab")
    await expect(page.locator("input[name=password]")).to_be_focused()
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(ON_CHAT)
    await expect(page.get_by_test_id("current-user")).to_have_text(email)
