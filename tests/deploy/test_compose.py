"""docker-compose files: valid for Compose (checked without an engine) and wired as documented."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose_bin() -> str | None:
    found = shutil.which("docker-compose")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("docker-compose is required in CI (scripts/system-deps.sh installs it)")
    return found


@pytest.mark.parametrize(
    "files", [["docker-compose.yml"], ["docker-compose.yml", "docker-compose.prod.yml"]]
)
def test_compose_config_is_valid(files: list[str], tmp_path: Path) -> None:
    binary = compose_bin()
    if binary is None:
        pytest.skip("docker-compose is not installed")
    # The production override reads secrets from files an operator creates; make empty ones.
    secrets = ROOT / "deploy" / "secrets"
    made = []
    for name in (
        "jwt_secret",
        "database_url",
        "metrics_token",
        "postgres_password",
        "grafana_admin_password",
    ):
        path = secrets / f"{name}.txt"
        if not path.exists():
            path.write_text("x\n", encoding="utf-8")
            made.append(path)
    try:
        args = [binary, "--project-directory", str(ROOT)]
        for name in files:
            args += ["-f", str(ROOT / name)]
        result = subprocess.run(
            [*args, "config"], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
    finally:
        for path in made:
            path.unlink()
    assert result.returncode == 0, result.stderr
    merged = yaml.safe_load(result.stdout)
    services = merged["services"]
    assert {"gateway", "postgres", "redis", "nginx", "prometheus", "grafana"} <= set(services)


def test_dev_stack_lists_the_seed_services_and_pgadmin_profile() -> None:
    dev = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert dev["services"]["pgadmin"]["profiles"] == ["dev"]
    gateway = dev["services"]["gateway"]
    assert gateway["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_production_override_uses_secret_files_limits_and_replicas() -> None:
    prod = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text(encoding="utf-8"))
    gateway = prod["services"]["gateway"]
    assert gateway["deploy"]["replicas"] >= 2
    assert gateway["deploy"]["resources"]["limits"]["memory"]
    assert gateway["restart"] == "unless-stopped"
    assert all("file" in s for s in prod["secrets"].values())
    assert gateway["environment"]["LLMGW_ENVIRONMENT"] == "production"


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert len(stages) >= 2
    final = text.split(stages[-1], 1)[1]
    assert "USER 10001" in final
    assert "HEALTHCHECK" in final
    assert "build-essential" not in final
