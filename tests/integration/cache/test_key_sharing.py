"""An API key reaches the shared cache namespace only when an admin opts it in.

Three users on a cached alias that is *not* shared: keys of two of them are put in the shared
namespace by an admin, the third stays in its own. Answers flow between the opted-in keys only;
the owner cannot set the flag; opting out puts the key back in its owner's namespace at once.
"""

from __future__ import annotations

import httpx

from llm_gateway.fake_upstream import FakeUpstream
from tests.integration.auth.helpers import bearer, create_key, make_account
from tests.integration.cache.conftest import chat
from tests.integration.proxy.conftest import AUTH


async def _key(client: httpx.AsyncClient, email: str) -> tuple[str, str, dict[str, str]]:
    account = await make_account(client, email)
    created = await create_key(client, account)
    return created["id"], created["key"], account.headers


async def _share(
    client: httpx.AsyncClient, key_id: str, shared: bool, headers: dict[str, str]
) -> httpx.Response:
    return await client.put(
        f"/admin/cache/api-keys/{key_id}", json={"shared": shared}, headers=headers
    )


async def _ask(client: httpx.AsyncClient, secret: str, text: str) -> str:
    response = await client.post(
        "/v1/chat/completions", json=chat("cached", text), headers=bearer(secret)
    )
    assert response.status_code == 200, response.text
    return response.headers["x-gateway-cache"]


async def test_only_admin_opted_keys_share_answers(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    a_id, a_key, a_owner = await _key(client, "a@example.com")
    b_id, b_key, _ = await _key(client, "b@example.com")
    _, c_key, _ = await _key(client, "c@example.com")

    refused = await _share(client, a_id, True, a_owner)  # the key's owner is no admin
    assert refused.status_code == 403
    for key_id in (a_id, b_id):
        done = await _share(client, key_id, True, AUTH)
        assert done.status_code == 200, done.text
        assert done.json() == {"api_key_id": key_id, "shared": True}

    assert await _ask(client, a_key, "shared question") == "miss"
    assert await _ask(client, b_key, "shared question") == "hit"  # both opted in
    assert await _ask(client, c_key, "shared question") == "miss"  # never opted in
    assert await _ask(client, c_key, "own question") == "miss"
    assert await _ask(client, a_key, "own question") == "miss"  # c's answer stays c's
    assert len(fake.requests("cached-up")) == 4

    listed = await client.get("/users/me/api-keys", headers=a_owner)
    assert listed.json()[0]["cache_shared"] is True

    assert (await _share(client, a_id, False, AUTH)).status_code == 200
    assert await _ask(client, a_key, "shared question") == "miss"  # back in its owner's space


async def test_unknown_key_is_a_404(client: httpx.AsyncClient) -> None:
    response = await _share(client, "00000000-0000-0000-0000-000000000001", True, AUTH)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "api_key_not_found"
