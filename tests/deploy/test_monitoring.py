"""deploy/monitoring: every dashboard and alert query names only metrics the gateway exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from llm_gateway.core.metrics import GatewayMetrics

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
METRIC = re.compile(r"\bllmgw_[a-z0-9_]+")


def exported_names() -> set[str]:
    """Every series name a scrape can contain (with _total, _bucket, _sum, _count forms)."""
    metrics = GatewayMetrics()
    names: set[str] = set()
    for family in text_string_to_metric_families(metrics.render().decode()):
        names.add(family.name)
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names.update(family.name + s for s in ("_bucket", "_sum", "_count"))
    return names


def dashboard_queries() -> list[tuple[str, str]]:
    queries = []
    for path in sorted((MONITORING / "grafana" / "dashboards").glob("*.json")):
        board = json.loads(path.read_text(encoding="utf-8"))
        for panel in board["panels"]:
            for target in panel.get("targets", ()):
                queries.append((f"{path.name}: {panel['title']}", target["expr"]))
    return queries


def test_there_are_dashboards_for_each_area() -> None:
    titles = {where.split(": ", 1)[1] for where, _ in dashboard_queries()}
    for needle in (
        "Requests",
        "latency",
        "first token",
        "failed",
        "Spend",
        "Refusals",
        "Cache",
        "Guardrail",
        "Backlog",
        "Backend",
    ):
        assert any(needle.lower() in t.lower() for t in titles), needle


def test_every_dashboard_query_names_an_exported_metric() -> None:
    exported = exported_names()
    queries = dashboard_queries()
    assert len(queries) >= 20
    for where, expr in queries:
        used = set(METRIC.findall(expr))
        assert used, f"{where}: no gateway metric in {expr!r}"
        assert used <= exported, f"{where}: unknown {sorted(used - exported)}"


def test_every_alert_names_an_exported_metric() -> None:
    exported = exported_names()
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text(encoding="utf-8"))
    alerts = [r for group in rules["groups"] for r in group["rules"]]
    names = {a["alert"] for a in alerts}
    assert {
        "GatewayHighErrorRate",
        "GatewayHighLatencyP95",
        "GatewayUpstreamBreakerOpen",
        "GatewayUsageBacklogGrowing",
        "GatewayBudgetExhaustion",
    } <= names
    for alert in alerts:
        used = set(METRIC.findall(alert["expr"]))
        assert used, alert["alert"]
        assert used <= exported, f"{alert['alert']}: unknown {sorted(used - exported)}"


def test_prometheus_scrapes_with_the_metrics_token() -> None:
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text(encoding="utf-8"))
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["credentials_file"]
    assert config["rule_files"]
