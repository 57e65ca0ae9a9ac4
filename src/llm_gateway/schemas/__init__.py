"""Pydantic models for API request and response bodies."""
