"""Cache endpoints: a caller flags a wrong cached answer; admins read stats, flag and flush."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from llm_gateway.cache.keys import tenant_namespace
from llm_gateway.dependencies import AppStateDep, SessionDep
from llm_gateway.schemas.cache import (
    AdminFlagRequest,
    CacheStatsOut,
    FlagRequest,
    FlagResponse,
    FlushRequest,
    KeyCacheSharing,
    KeyCacheSharingOut,
)
from llm_gateway.services.auth.admin import set_key_cache_shared
from llm_gateway.services.auth.authenticate import (
    AdminPrincipalDep,
    PrincipalDep,
    get_admin_principal,
)

router = APIRouter(tags=["cache"])
admin = APIRouter(
    prefix="/admin/cache", tags=["admin"], dependencies=[Depends(get_admin_principal)]
)


@router.post("/v1/cache/flag")
async def flag_answer(
    body: FlagRequest, state: AppStateDep, principal: PrincipalDep
) -> FlagResponse:
    """Report a cached answer as wrong: it is evicted (exact and semantic) and counted.

    Only the caller's own namespace is reachable (or the shared one, for a shared alias).
    """
    principal.require_scope("chat")
    info = state.models.get(body.model)
    namespace = tenant_namespace(principal, shared=info.cache.shared)
    return FlagResponse(flagged=await state.cache.flag(namespace, body.key))


@admin.get("")
async def cache_stats(state: AppStateDep) -> CacheStatsOut:
    """Counters (hits, misses, semantic hits, verifier rejections, flags...) and index sizes."""
    stats = state.cache.stats()
    aliases = {m.alias: m.cache for m in state.models.models() if m.cache.mode != "off"}
    return CacheStatsOut(**stats, aliases=aliases)


@admin.post("/flag")
async def admin_flag(
    body: AdminFlagRequest, state: AppStateDep, _: AdminPrincipalDep
) -> FlagResponse:
    return FlagResponse(flagged=await state.cache.flag(body.namespace, body.key))


@admin.post("/flush", status_code=204)
async def flush_namespace(body: FlushRequest, state: AppStateDep, _: AdminPrincipalDep) -> None:
    """Drop every cached answer of one namespace, on every instance."""
    await state.cache.flush(body.namespace)


@admin.put("/api-keys/{key_id}")
async def set_key_sharing(
    key_id: uuid.UUID,
    body: KeyCacheSharing,
    state: AppStateDep,
    session: SessionDep,
    _: AdminPrincipalDep,
) -> KeyCacheSharingOut:
    """Opt one API key into the shared cache namespace (or out again): its lookups and stores
    then use ``shared`` for every cached alias. Never set by the key's owner."""
    await set_key_cache_shared(session, state.auth, key_id, body.shared)
    return KeyCacheSharingOut(api_key_id=key_id, shared=body.shared)
