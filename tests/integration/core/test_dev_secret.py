"""The development JWT secret (public in the source) is announced loudly and never exposed."""

from __future__ import annotations

import pytest
from asgi_lifespan import LifespanManager
from structlog.testing import capture_logs

from llm_gateway.app import create_app
from llm_gateway.cli.serve import is_loopback
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.auth.test_secrets import _uncache_loggers
from tests.integration.core.test_cli import _run

REAL_SECRET = "a-real-secret-of-more-than-32-characters-0123"
UNREACHABLE_DB = {"LLMGW_DATABASE_URL": "postgresql+asyncpg://gw@127.0.0.1:1/gw"}


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10"])
def test_serve_refuses_a_public_address_with_the_dev_secret(host: str) -> None:
    result = _run("serve", "--host", host, env=UNREACHABLE_DB)
    assert result.returncode == 2
    assert f"refusing to listen on {host}" in result.stderr
    assert "LLMGW_SECURITY__JWT_SECRET" in result.stderr
    assert "database unreachable" not in result.stderr  # refused before touching anything


def test_serve_warns_but_runs_on_loopback_with_the_dev_secret() -> None:
    result = _run("serve", "--host", "127.0.0.1", env=UNREACHABLE_DB)
    assert "WARNING: INSECURE" in result.stderr
    assert "refusing" not in result.stderr
    assert "database unreachable" in result.stderr  # it went on to start


def test_serve_binds_anywhere_with_a_real_secret() -> None:
    env = {**UNREACHABLE_DB, "LLMGW_SECURITY__JWT_SECRET": REAL_SECRET}
    result = _run("serve", "--host", "0.0.0.0", env=env)
    assert "INSECURE" not in result.stderr
    assert "refusing" not in result.stderr
    assert "database unreachable" in result.stderr


def test_loopback_addresses() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.1", "example.com", ""]))


@pytest.mark.parametrize(("secret", "warned"), [(None, True), (REAL_SECRET, False)])
async def test_startup_warns_while_the_dev_secret_signs_sessions(
    backend: Backend, secret: str | None, warned: bool
) -> None:
    overrides = {"security": {"jwt_secret": secret}} if secret else {}
    app = create_app(build_settings(backend, **overrides))
    _uncache_loggers()
    try:
        with capture_logs() as logs:
            async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
                pass
    finally:
        _uncache_loggers()
    warnings = [e for e in logs if e["log_level"] == "warning" and "INSECURE" in e["event"]]
    assert bool(warnings) is warned
