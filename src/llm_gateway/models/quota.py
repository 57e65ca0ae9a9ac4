"""Per-user and per-key quota overrides, set by admins; NULL fields inherit from the tier."""

from __future__ import annotations

import uuid

from sqlalchemy import JSON, CheckConstraint, Double, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from llm_gateway.models.base import Base, TimestampMixin, UUIDPrimaryKeyMixin


class QuotaOverride(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Limits for one user or one API key that replace (user) or add to (key) the tier's."""

    __tablename__ = "quota_overrides"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", name="uq_quota_overrides_subject"),
        CheckConstraint("subject_type IN ('user', 'key')", name="subject_type"),
    )

    subject_type: Mapped[str] = mapped_column(String(8), nullable=False)  # "user" | "key"
    subject_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    requests_per_minute: Mapped[int | None] = mapped_column(nullable=True)
    tokens_per_minute: Mapped[int | None] = mapped_column(nullable=True)
    tokens_per_day: Mapped[int | None] = mapped_column(nullable=True)
    monthly_budget_usd: Mapped[float | None] = mapped_column(Double, nullable=True)
    max_concurrent: Mapped[int | None] = mapped_column(nullable=True)
    allowed_model_tiers: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    allowed_aliases: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Guardrail policy fields that replace the tier's for this user or key (GuardrailPolicyPatch).
    guardrails: Mapped[dict[str, str | bool] | None] = mapped_column(JSON, nullable=True)
