"""Cache endpoints: a caller flags a wrong cached answer; admins read stats, flag and flush."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from llm_gateway.cache.keys import tenant_namespace
from llm_gateway.dependencies import AppStateDep
from llm_gateway.schemas.cache import (
    AdminFlagRequest,
    CacheStatsOut,
    FlagRequest,
    FlagResponse,
    FlushRequest,
)
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
