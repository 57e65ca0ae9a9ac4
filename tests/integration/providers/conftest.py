"""Fixtures for the adapter tests."""

from tests.integration.fake_upstream.fixtures import fake, fake_server, http

__all__ = ["fake", "fake_server", "http"]
