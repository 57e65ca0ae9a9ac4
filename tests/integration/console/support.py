"""Console test helpers: read the CSRF token from a page, sign up and in through the forms."""

from __future__ import annotations

import re

import httpx

PASSWORD = "correct-horse-battery-staple"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_of(page: httpx.Response) -> str:
    match = _CSRF.search(page.text)
    assert match, "page has no CSRF token"
    return match.group(1)


async def form_token(browser: httpx.AsyncClient, path: str = "/ui/login") -> str:
    """GET a console page (which sets the CSRF cookie) and return its token."""
    page = await browser.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page)


async def register(
    browser: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    token = await form_token(browser, "/ui/register")
    return await browser.post(
        "/ui/register", data={"email": email, "password": password, "csrf_token": token}
    )


async def login(browser: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = await form_token(browser, "/ui/login")
    return await browser.post(
        "/ui/login", data={"email": email, "password": password, "csrf_token": token}
    )


async def signed_up(browser: httpx.AsyncClient, email: str) -> str:
    """Register (which signs in) and return the CSRF token of the chat page."""
    response = await register(browser, email)
    assert response.status_code == 303, response.text
    chat = await browser.get("/ui/chat")
    assert chat.status_code == 200, chat.text
    return csrf_of(chat)
