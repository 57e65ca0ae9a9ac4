"""CI tests what it says: the Python it names, every test (no silent skips), within time limits."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.system_tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _job() -> dict[str, Any]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job: dict[str, Any] = workflow["jobs"]["test"]
    return job


def _setup_python(job: dict[str, Any]) -> dict[str, Any]:
    steps = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-python")]
    assert len(steps) == 1
    return steps[0]


def test_the_workflow_python_is_the_oldest_supported_one() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    oldest = re.search(r'requires-python = ">=(\d+\.\d+)"', pyproject)
    assert oldest is not None
    assert _setup_python(_job())["with"]["python-version"] == oldest.group(1)


def test_every_install_and_test_step_uses_that_python() -> None:
    job = _job()
    setup = _setup_python(job)
    wanted = "${{ steps." + setup["id"] + ".outputs.python-path }}"
    runs = [s for s in job["steps"] if "run" in s and re.search(r"bootstrap|make test", s["run"])]
    assert runs
    for step in runs:
        assert step.get("env", {}).get("PYTHON") == wanted, step
    version = setup["with"]["python-version"]
    checks = [s for s in runs if f"== ({version.replace('.', ', ')})" in s["run"]]
    assert checks, "the venv's interpreter version is never checked"


def test_ci_fails_instead_of_skipping_and_has_timeouts() -> None:
    job = _job()
    assert job["env"]["CI"] == "true"
    assert 0 < job["timeout-minutes"] <= 90
    for step in job["steps"]:
        if "run" in step:
            assert 0 < step["timeout-minutes"] <= job["timeout-minutes"], step


def test_bootstrap_uses_the_python_it_is_given() -> None:
    # An interpreter that does not exist must stop it, not be replaced by whatever is on PATH.
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bootstrap.sh")],
        env={**os.environ, "PYTHON": "/nonexistent/python3.11"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "PYTHON=/nonexistent/python3.11" in result.stderr


def test_a_missing_tool_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        missing_tool("nginx")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run every test"):
        missing_tool("nginx")
