"""Fixtures for the accounts tests: an app with cheap argon2, probe routes and a master key."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from tests.backends import Backend
from tests.integration.auth.helpers import MASTER_KEY, add_probe_routes, auth_settings


@pytest.fixture
def app(backend: Backend) -> FastAPI:
    application = create_app(auth_settings(backend, security={"master_key": MASTER_KEY}))
    add_probe_routes(application)
    return application
