"""Admin changes to users and their quotas: role/tier/active (via accounts), overrides, keys."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.exceptions import NotFoundError, UnprocessableError
from llm_gateway.models.api_key import ApiKey
from llm_gateway.models.quota import QuotaOverride
from llm_gateway.models.user import User
from llm_gateway.repositories import admin as admin_repo
from llm_gateway.repositories import quota as quota_repo
from llm_gateway.repositories import users as users_repo
from llm_gateway.repositories.quota import SubjectType
from llm_gateway.schemas.admin import (
    AdminDeployment,
    AdminModel,
    AdminModelsResponse,
    AdminUser,
    AdminUserPage,
    KeyOverridesResponse,
    QuotaOverrides,
    RevokeKeysResponse,
    UserPatch,
)
from llm_gateway.services.auth.admin import revoke_all_api_keys, set_user_access
from llm_gateway.services.quotas.overrides import limits_from_row, subject_name
from llm_gateway.services.quotas.tiers import require_tier
from llm_gateway.state import AppState

MODEL_TIERS = ("small", "large")


def overrides_out(row: QuotaOverride | None) -> QuotaOverrides | None:
    if row is None:
        return None
    return QuotaOverrides.model_validate(
        {name: getattr(row, name) for name in quota_repo.OVERRIDE_FIELDS}
    )


def _admin_user(user: User, row: QuotaOverride | None) -> AdminUser:
    return AdminUser(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        tier=user.tier,
        is_active=user.is_active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        overrides=overrides_out(row),
    )


async def list_users(
    session: AsyncSession,
    *,
    query: str | None,
    role: str | None,
    tier: str | None,
    is_active: bool | None,
    page: int,
    page_size: int,
) -> AdminUserPage:
    users, total = await admin_repo.search_users(
        session,
        query=query,
        role=role,
        tier=tier,
        is_active=is_active,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    rows = await quota_repo.overrides_for(session, "user", [u.id for u in users])
    return AdminUserPage(
        page=page,
        page_size=page_size,
        total=total,
        items=[_admin_user(u, rows.get(u.id)) for u in users],
    )


def _check_overrides(state: AppState, overrides: QuotaOverrides) -> dict[str, Any]:
    changes = overrides.model_dump(include=overrides.model_fields_set - {"guardrails"})
    if "guardrails" in overrides.model_fields_set:
        patch = overrides.guardrails
        changes["guardrails"] = (patch.fields_set() or None) if patch is not None else None
    unknown_tiers = set(changes.get("allowed_model_tiers") or ()) - set(MODEL_TIERS)
    if unknown_tiers:
        raise UnprocessableError(
            f"unknown model tiers {sorted(unknown_tiers)}; use {list(MODEL_TIERS)}",
            code="invalid_override",
            param="overrides.allowed_model_tiers",
        )
    unknown_aliases = {a for a in changes.get("allowed_aliases") or () if a not in state.models}
    if unknown_aliases:
        raise UnprocessableError(
            f"unknown model aliases {sorted(unknown_aliases)}",
            code="invalid_override",
            param="overrides.allowed_aliases",
        )
    return changes


async def _apply_overrides(
    session: AsyncSession,
    state: AppState,
    subject_type: SubjectType,
    subject_id: uuid.UUID,
    overrides: QuotaOverrides,
) -> QuotaOverride | None:
    changes = _check_overrides(state, overrides)
    if not changes:
        return await quota_repo.get_override(session, subject_type, subject_id)
    row = await quota_repo.upsert_override(session, subject_type, subject_id, changes)
    if state.quotas.sync is not None:
        name = subject_name(subject_type, subject_id)
        await state.quotas.sync.announce(name, None if row is None else limits_from_row(row))
    return row


async def update_user(
    session: AsyncSession, state: AppState, user_id: uuid.UUID, patch: UserPatch
) -> AdminUser:
    """Apply ``patch``; 404 for an unknown user, 422 for an unknown tier or bad override."""
    if patch.tier is not None:
        require_tier(state.settings.quotas, patch.tier)  # before any lookup: bad input is a 422
    if patch.role is not None or patch.tier is not None or patch.is_active is not None:
        user = await set_user_access(
            session,
            state.auth,
            user_id,
            role=patch.role,
            tier=patch.tier,
            is_active=patch.is_active,
        )
    else:
        found = await users_repo.get(session, user_id)
        if found is None:
            raise NotFoundError("User not found", code="user_not_found")
        user = found
    if patch.overrides is not None:
        row = await _apply_overrides(session, state, "user", user_id, patch.overrides)
    else:
        row = await quota_repo.get_override(session, "user", user_id)
    return _admin_user(user, row)


async def update_key_overrides(
    session: AsyncSession, state: AppState, key_id: uuid.UUID, overrides: QuotaOverrides
) -> KeyOverridesResponse:
    if await session.get(ApiKey, key_id) is None:
        raise NotFoundError("API key not found", code="api_key_not_found")
    row = await _apply_overrides(session, state, "key", key_id, overrides)
    return KeyOverridesResponse(api_key_id=key_id, overrides=overrides_out(row))


async def revoke_keys(
    session: AsyncSession, state: AppState, user_id: uuid.UUID
) -> RevokeKeysResponse:
    if await users_repo.get(session, user_id) is None:
        raise NotFoundError("User not found", code="user_not_found")
    revoked = await revoke_all_api_keys(session, state.auth, user_id)
    return RevokeKeysResponse(user_id=user_id, revoked=revoked)


async def admin_models(state: AppState) -> AdminModelsResponse:
    """Every enabled alias with its deployments' health (cooldown state shared via the store)."""
    cooldowns = state.router.cooldowns
    await cooldowns.sync()
    models = []
    for info in state.models.models():
        deployments = []
        for d in info.deployments:
            left = cooldowns.remaining_s(d.id)
            deployments.append(
                AdminDeployment(
                    id=d.id,
                    provider=d.provider,
                    model=d.model,
                    base_url=d.base_url,
                    weight=d.weight,
                    healthy=left <= 0,
                    cooldown_remaining_s=round(left, 3),
                )
            )
        models.append(
            AdminModel(
                alias=info.alias,
                tier=info.tier,
                price_input_per_1m=info.price.input,
                price_output_per_1m=info.price.output,
                context_window=info.context_window,
                fallbacks=list(info.fallbacks),
                deployments=deployments,
            )
        )
    return AdminModelsResponse(models=models, disabled=dict(state.models.disabled))
