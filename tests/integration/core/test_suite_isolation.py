"""The suite is immune to the gateway variables an operator exports (README's own examples)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_no_gateway_variable_reaches_the_tests() -> None:
    leaked = [n for n in os.environ if n.startswith("LLMGW_") and not n.startswith("LLMGW_TEST_")]
    assert leaked == []


def test_exported_readme_variables_do_not_change_what_the_tests_use(tmp_path: Path) -> None:
    # Backends that do not exist: any test reading them would fail to start its app.
    exported = {
        "LLMGW_REDIS_URL": "redis://127.0.0.1:1/0",
        "LLMGW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/nowhere/is.db",
        "LLMGW_ENVIRONMENT": "production",
        "LLMGW_SECURITY__JWT_SECRET": "short",
        "LLMGW_TEST_BACKENDS": "sqlite",
    }
    nodes = [
        "tests/integration/core/test_app.py::test_live_and_ready",
        "tests/integration/core/test_cli.py::test_a_bad_setting_names_the_variable",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *nodes],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **exported},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 passed" in result.stdout
