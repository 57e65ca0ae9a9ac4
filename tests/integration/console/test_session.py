"""Console sign-in: cookies (HttpOnly, no token in the page), CSRF, CSP, register/login/logout."""

from __future__ import annotations

import httpx

from tests.integration.console.support import (
    PASSWORD,
    csrf_of,
    form_token,
    login,
    register,
    signed_up,
)


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


async def test_login_sets_httponly_strict_cookies_and_no_token_in_the_page(
    browser: httpx.AsyncClient,
) -> None:
    assert (await register(browser, "ana@example.com")).status_code == 303
    browser.cookies.clear()

    response = await login(browser, "ana@example.com")

    assert response.status_code == 303
    assert response.headers["location"] == "/ui/chat"
    cookies = _set_cookies(response)
    for name in ("llmgw_access", "llmgw_refresh"):
        attributes = cookies[name].lower()
        assert "httponly" in attributes
        assert "samesite=strict" in attributes
        assert "path=/ui" in attributes
    access = browser.cookies["llmgw_access"]
    refresh = browser.cookies["llmgw_refresh"]
    assert access not in response.text
    assert refresh not in response.text
    chat = await browser.get("/ui/chat")
    assert chat.status_code == 200
    assert access not in chat.text
    assert refresh not in chat.text
    assert 'data-testid="current-user">ana@example.com<' in chat.text


async def test_cookies_are_secure_over_https(browser: httpx.AsyncClient) -> None:
    page = await browser.get("https://localhost/ui/login")
    assert "secure" in _set_cookies(page)["llmgw_csrf"].lower()
    plain = await browser.get("http://127.0.0.1/ui/login")
    assert "secure" not in _set_cookies(plain)["llmgw_csrf"].lower()


async def test_wrong_password_shows_the_form_error(browser: httpx.AsyncClient) -> None:
    assert (await register(browser, "bo@example.com")).status_code == 303
    browser.cookies.clear()

    response = await login(browser, "bo@example.com", "not-the-password-at-all")

    assert response.status_code == 401
    assert 'data-testid="form-error"' in response.text
    assert "llmgw_access" not in browser.cookies


async def test_forms_without_the_csrf_token_are_refused(browser: httpx.AsyncClient) -> None:
    await form_token(browser)  # the CSRF cookie is set; the token is not sent back
    credentials = {"email": "x@example.com", "password": PASSWORD}

    missing = await browser.post("/ui/register", data=credentials)
    wrong = await browser.post("/ui/register", data={**credentials, "csrf_token": "a" * 43})

    for response in (missing, wrong):
        assert response.status_code == 403
        assert 'data-code="csrf_failed"' in response.text
    assert (await login(browser, "x@example.com")).status_code == 401  # never registered


async def test_cross_site_form_posts_are_refused_even_with_the_token(
    browser: httpx.AsyncClient,
) -> None:
    token = await signed_up(browser, "cy@example.com")

    forged = await browser.post(
        "/ui/keys",
        data={"name": "evil", "scopes": "chat", "csrf_token": token},
        headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    )

    assert forged.status_code == 403
    assert 'data-testid="key-row"' not in (await browser.get("/ui/keys")).text


async def test_console_pages_carry_a_strict_csp(browser: httpx.AsyncClient) -> None:
    for path in ("/ui/login", "/ui/register", "/ui/reset?token=abc"):
        page = await browser.get(path)
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text  # no inline script: only src= files


async def test_pages_redirect_to_login_when_signed_out(browser: httpx.AsyncClient) -> None:
    for path in ("/ui/", "/ui/chat", "/ui/keys", "/ui/usage", "/ui/admin", "/ui/admin/users"):
        response = await browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/ui/login"


async def test_logout_revokes_the_session(browser: httpx.AsyncClient) -> None:
    token = await signed_up(browser, "dee@example.com")
    access = browser.cookies["llmgw_access"]
    refresh = browser.cookies["llmgw_refresh"]

    response = await browser.post("/ui/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login"
    assert "llmgw_access" not in browser.cookies
    assert (await browser.get("/ui/chat")).status_code == 303
    # The old tokens are dead server-side too, not only forgotten by the browser.
    me = await browser.get("/users/me", headers={"authorization": f"Bearer {access}"})
    assert me.status_code == 401
    renewed = await browser.post("/auth/refresh", json={"refresh_token": refresh})
    assert renewed.status_code == 401


async def test_expired_access_cookie_is_refreshed_on_the_next_page(
    browser: httpx.AsyncClient,
) -> None:
    await signed_up(browser, "eve@example.com")
    old_refresh = browser.cookies["llmgw_refresh"]
    browser.cookies.delete("llmgw_access")  # the browser drops it when its max-age passes

    page = await browser.get("/ui/keys")

    assert page.status_code == 200
    assert 'data-testid="current-user">eve@example.com<' in page.text
    assert browser.cookies["llmgw_refresh"] != old_refresh  # rotated


async def test_register_signs_in_and_shows_the_chat(browser: httpx.AsyncClient) -> None:
    response = await register(browser, "fay@example.com")
    assert response.headers["location"] == "/ui/chat"
    chat = await browser.get("/ui/chat")
    assert 'data-testid="model-picker"' in chat.text
    assert csrf_of(chat)


async def test_unknown_console_pages_are_a_404_page(browser: httpx.AsyncClient) -> None:
    missing = await browser.get("/ui/nothing/here?lang=ko")
    static = await browser.get("/ui/static/missing.js")
    bridge = await browser.get("/ui/api/nowhere", headers={"x-csrf-token": "c" * 43})

    assert missing.status_code == 404
    assert 'data-testid="not-found"' in missing.text
    assert '<html lang="ko">' in missing.text
    assert static.status_code == 404
    assert bridge.status_code in (403, 404)  # never a page: the bridge answers JSON
    assert bridge.headers["content-type"].startswith("application/json")
