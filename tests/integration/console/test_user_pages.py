"""Console pages of a signed-in user: keys (secret once, revoke), chat over the bridge, usage."""

from __future__ import annotations

import re

import httpx

from tests.integration.console.support import signed_up

_SECRET = re.compile(r'data-testid="key-secret">(sk-gw-[^<]+)<')


async def test_key_secret_is_shown_once_and_works(browser: httpx.AsyncClient) -> None:
    token = await signed_up(browser, "kim@example.com")

    created = await browser.post(
        "/ui/keys",
        data={"name": "laptop", "scopes": ["chat"], "expires_in_days": "30", "csrf_token": token},
    )

    assert created.status_code == 200
    match = _SECRET.search(created.text)
    assert match, created.text
    secret = match.group(1)
    assert 'data-testid="key-copy"' in created.text
    me = await browser.get("/users/me", headers={"authorization": f"Bearer {secret}"})
    assert me.json()["email"] == "kim@example.com"
    again = await browser.get("/ui/keys")
    assert secret not in again.text  # shown once: the listing has the prefix only
    assert again.text.count('data-testid="key-row"') == 1
    assert "laptop" in again.text


async def test_revoke_removes_the_key_and_stops_it(browser: httpx.AsyncClient) -> None:
    token = await signed_up(browser, "lee@example.com")
    created = await browser.post(
        "/ui/keys", data={"name": "ci", "scopes": ["chat"], "csrf_token": token}
    )
    secret = _SECRET.search(created.text).group(1)  # type: ignore[union-attr]
    key_id = re.search(r'data-key-id="([^"]+)"', created.text).group(1)  # type: ignore[union-attr]

    revoked = await browser.post(f"/ui/keys/{key_id}/revoke", data={"csrf_token": token})

    assert revoked.status_code == 303
    assert 'data-testid="key-row"' not in (await browser.get("/ui/keys")).text
    me = await browser.get("/users/me", headers={"authorization": f"Bearer {secret}"})
    assert me.status_code == 401


async def test_invalid_key_form_shows_an_error(browser: httpx.AsyncClient) -> None:
    token = await signed_up(browser, "min@example.com")

    response = await browser.post("/ui/keys", data={"name": "", "csrf_token": token})

    assert response.status_code == 422
    assert 'data-testid="form-error"' in response.text


async def test_chat_streams_through_the_bridge_with_the_cookie(
    browser: httpx.AsyncClient,
) -> None:
    token = await signed_up(browser, "nam@example.com")
    headers = {"x-csrf-token": token}

    async with browser.stream(
        "POST", "/ui/api/chat", json={"message": "hello there", "model": "cheap"}, headers=headers
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = (await response.aread()).decode()

    events = re.findall(r"^event: (\w+)$", body, re.M)
    assert events[0] == "meta"
    assert "token" in events
    assert events[-1] == "done"
    listing = await browser.get("/ui/api/conversations", headers=headers)
    assert listing.status_code == 200
    assert len(listing.json()["data"]) == 1


async def test_bridge_needs_the_csrf_header_and_the_session(
    browser: httpx.AsyncClient, other_browser: httpx.AsyncClient
) -> None:
    token = await signed_up(browser, "oh@example.com")

    no_header = await browser.post("/ui/api/chat", json={"message": "hi"})
    wrong = await browser.get("/ui/api/conversations", headers={"x-csrf-token": "b" * 43})
    signed_out = await other_browser.get("/ui/api/conversations", headers={"x-csrf-token": token})
    outside = await browser.get("/ui/api/v1/models", headers={"x-csrf-token": token})
    password = await browser.post(
        "/ui/api/users/me/password",
        json={"current_password": "correct-horse-battery-staple", "new_password": "x" * 20},
        headers={"x-csrf-token": token},
    )

    assert no_header.status_code == 403
    assert no_header.json()["error"]["code"] == "csrf_failed"
    assert wrong.status_code == 403
    assert signed_out.status_code == 403  # no CSRF cookie in that browser at all
    assert outside.status_code == 404
    assert password.status_code == 404  # its answer holds tokens: never through the bridge


async def test_json_api_ignores_console_cookies(browser: httpx.AsyncClient) -> None:
    """The cookie is scoped to /ui and the API reads only headers: no CSRF surface there."""
    token = await signed_up(browser, "pia@example.com")
    access = browser.cookies["llmgw_access"]

    direct = await browser.get(
        "/conversations", headers={"cookie": f"llmgw_access={access}", "x-csrf-token": token}
    )

    assert direct.status_code == 401


async def test_expired_session_on_the_bridge_asks_for_a_refresh(
    browser: httpx.AsyncClient,
) -> None:
    token = await signed_up(browser, "quinn@example.com")
    browser.cookies.delete("llmgw_access")
    headers = {"x-csrf-token": token}

    expired = await browser.get("/ui/api/conversations", headers=headers)
    refreshed = await browser.post("/ui/auth/refresh", headers=headers)
    retried = await browser.get("/ui/api/conversations", headers=headers)

    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "session_expired"
    assert refreshed.status_code == 200
    assert "access" not in refreshed.text
    assert retried.status_code == 200


async def test_forged_admin_scope_and_unstorable_text_are_refused(
    browser: httpx.AsyncClient,
) -> None:
    token = await signed_up(browser, "rho@example.com")

    admin_scope = await browser.post(
        "/ui/keys", data={"name": "sneaky", "scopes": ["admin"], "csrf_token": token}
    )
    nul = await browser.post(
        "/ui/keys", data={"name": "bad\x00name", "scopes": ["chat"], "csrf_token": token}
    )

    assert admin_scope.status_code == 403
    assert 'data-testid="form-error"' in admin_scope.text
    assert nul.status_code == 400
    assert 'data-code="invalid_text"' in nul.text
    assert 'data-testid="key-row"' not in (await browser.get("/ui/keys")).text


async def test_reposting_the_create_form_makes_no_second_key(browser: httpx.AsyncClient) -> None:
    token = await signed_up(browser, "sue@example.com")
    form_id = re.search(r'name="form_id" value="([^"]+)"', (await browser.get("/ui/keys")).text)
    assert form_id
    form = {"name": "once", "scopes": ["chat"], "csrf_token": token, "form_id": form_id.group(1)}

    first = await browser.post("/ui/keys", data=form)
    again = await browser.post("/ui/keys", data=form)  # what a browser reload does

    assert _SECRET.search(first.text)
    assert not _SECRET.search(again.text)
    assert 'data-testid="notice"' in again.text
    assert again.text.count('data-testid="key-row"') == 1


async def test_model_picker_offers_auto_and_the_aliases_the_tier_allows(
    browser: httpx.AsyncClient,
) -> None:
    await signed_up(browser, "tia@example.com")

    chat = await browser.get("/ui/chat")

    options = re.findall(
        r'<option value="([^"]+)">', chat.text.split('data-testid="model-picker"')[1]
    )
    assert options == ["auto", "mini", "cheap"]
    assert "big" not in options  # a large model: not on the free tier
    assert "embed" not in options  # embeddings only
