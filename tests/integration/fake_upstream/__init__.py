"""Tests for integration/fake_upstream."""
