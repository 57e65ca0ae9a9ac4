"""The console's browser-side defences, tried from a real browser: CSRF, CSP, cookies, logout."""

from __future__ import annotations

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.integration.console_browser.console import Console, ContextFactory, unique_email
from tests.integration.console_browser.flows import LOGIN, page_fetch, register

ATTACKER = "http://attacker.test"


async def fresh_user(new_context: ContextFactory, who: str) -> tuple[BrowserContext, Page]:
    """A new browser context with a freshly registered, signed-in user."""
    context = await new_context()
    page = await context.new_page()
    await register(page, unique_email(who))
    return context, page


async def key_names(page: Page) -> list[str]:
    await page.goto("/ui/keys")
    rows = page.get_by_test_id("key-row")
    return [await rows.nth(i).inner_text() for i in range(await rows.count())]


async def test_requests_without_the_csrf_token_change_nothing(
    new_context: ContextFactory, console: Console
) -> None:
    context, page = await fresh_user(new_context, "victim")

    # Same browser, session cookies attached, but no token: a form post and a script call.
    await page.request.post(
        console.url("/ui/keys"), form={"name": "no-token", "scopes": "chat"}, max_redirects=0
    )
    bare = await page.evaluate(
        """async () => (await fetch('/ui/api/chat', {method: 'POST',
             headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({message: 'hi', model: 'demo'})})).status"""
    )
    assert bare == 403

    # Another site's page that posts a form to the console as soon as it opens.
    forged = f"""<!doctype html><form method="post" action="{console.url("/ui/keys")}">
      <input name="name" value="cross-site"><input name="scopes" value="chat"></form>
      <script>document.forms[0].submit()</script>"""
    await context.route(
        f"{ATTACKER}/**", lambda route: route.fulfill(content_type="text/html", body=forged)
    )
    attacker = await context.new_page()
    await attacker.goto(f"{ATTACKER}/prize")
    await attacker.wait_for_url(f"{console.base_url}/**")

    names = " ".join(await key_names(page))
    assert "no-token" not in names
    assert "cross-site" not in names
    conversations = await page_fetch(page, "/ui/api/conversations")
    assert conversations["status"] == 200
    assert '"data":[]' in conversations["text"].replace(" ", "")


async def test_session_cookies_are_out_of_reach_of_scripts(
    new_context: ContextFactory, console: Console
) -> None:
    context, page = await fresh_user(new_context, "cookie")
    cookies = await context.cookies(console.url("/ui/"))
    secrets = [c for c in cookies if len(c["value"]) >= 20]  # tokens, not the language choice
    assert secrets, cookies
    for cookie in secrets:
        assert cookie["httpOnly"], cookie["name"]
        assert cookie["sameSite"] in ("Strict", "Lax"), cookie["name"]
    readable = await page.evaluate("document.cookie")
    stored = await page.evaluate(
        "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    for cookie in secrets:
        assert cookie["value"] not in readable
        assert cookie["value"] not in stored
    assert "eyJ" not in stored  # no JWT anywhere in web storage


async def test_logout_ends_the_session_for_copied_cookies(
    new_context: ContextFactory, console: Console
) -> None:
    context, page = await fresh_user(new_context, "leaver")
    copied = await context.cookies(console.url("/ui/"))
    await page.get_by_test_id("logout").click()
    await page.wait_for_url(LOGIN)

    thief = await new_context()
    await thief.add_cookies(copied)  # someone kept the cookies from before the logout
    stolen = await thief.new_page()
    await stolen.goto("/ui/keys")
    await stolen.wait_for_url(LOGIN)
    await expect(stolen.get_by_test_id("current-user")).to_have_count(0)


async def test_pages_refuse_inline_scripts_and_framing(chromium: Browser, console: Console) -> None:
    context = await chromium.new_context(base_url=console.base_url)  # expects a CSP violation
    try:
        page = await context.new_page()
        response = await page.goto("/ui/login")
        assert response is not None
        headers = await response.all_headers()
        policy = headers.get("content-security-policy", "")
        script_src = next(
            (d for d in policy.split(";") if d.strip().startswith("script-src")),
            next((d for d in policy.split(";") if d.strip().startswith("default-src")), ""),
        )
        assert "'self'" in script_src, policy
        assert "'unsafe-inline'" not in script_src, policy
        framing = "frame-ancestors 'none'" in policy or headers.get("x-frame-options") == "DENY"
        assert framing, headers
        # An injected inline script (as an XSS would add) does not run.
        await page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.injected = true'; document.body.append(s); }"""
        )
        assert await page.evaluate("window.injected === undefined")
    finally:
        await context.close()
