"""System tools some tests need: skipped where they are missing, a failure in CI.

A laptop without nginx or bubblewrap still runs the rest of the suite; CI (``CI=true``, set by
GitHub Actions) must run every test, so there a missing tool fails the test instead of hiding it.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

INSTALL_HINT = "bash scripts/system-deps.sh installs it"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_tool(what: str, hint: str = INSTALL_HINT) -> NoReturn:
    """Skip the test because ``what`` is unavailable, or fail it under CI."""
    message = f"{what} is not available here ({hint})"
    if in_ci():
        pytest.fail(f"{message}: CI must run every test", pytrace=False)
    pytest.skip(message)
