"""deploy/k8s: every overlay renders with kustomize and passes the Kubernetes schemas, offline."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = sorted((ROOT / "deploy" / "k8s" / "overlays").iterdir())
BIN = Path(sys.executable).parent


def render(overlay: Path) -> list[dict[str, object]]:
    kubectl = shutil.which("kubectl", path=str(BIN)) or "kubectl"
    out = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=[o.name for o in OVERLAYS])
def test_overlay_renders_and_validates(overlay: Path, tmp_path: Path) -> None:
    docs = render(overlay)
    kinds = {str(d["kind"]) for d in docs}
    assert {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ConfigMap",
        "NetworkPolicy",
        "Job",
    } <= kinds
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    result = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "--quiet", str(rendered)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deployment_probes_limits_and_non_root() -> None:
    docs = render(ROOT / "deploy" / "k8s" / "overlays" / "production")
    (deployment,) = [d for d in docs if d["kind"] == "Deployment"]
    spec = deployment["spec"]  # type: ignore[index]
    assert spec["replicas"] == 3
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    (models,) = [d for d in docs if d["kind"] == "ConfigMap" and "models" in d["metadata"]["name"]]
    assert "aliases" in yaml.safe_load(models["data"]["models.yaml"])  # type: ignore[index]
