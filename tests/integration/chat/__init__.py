"""Integration tests for /chat and /chat/ws."""
