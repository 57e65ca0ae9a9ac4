"""Tests for unit/providers."""
