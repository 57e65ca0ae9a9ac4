"""Integration tests for the /conversations API."""
