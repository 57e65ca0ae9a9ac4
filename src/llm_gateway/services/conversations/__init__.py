"""Conversations: owner-only CRUD, cursor pagination and background titles."""
