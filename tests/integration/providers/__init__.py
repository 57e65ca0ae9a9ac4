"""Tests for integration/providers."""
