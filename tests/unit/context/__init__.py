"""Unit tests for context-window management, token counting and cursors."""
