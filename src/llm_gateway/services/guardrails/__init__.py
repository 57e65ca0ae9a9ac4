"""Applying guardrails to callers: policy resolution per key and tier, and action counts."""
