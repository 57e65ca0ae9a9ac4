"""Write the Grafana dashboards in deploy/monitoring/grafana/dashboards/ (run after editing).

    .venv/bin/python scripts/build_dashboards.py

Panels are listed here once, as (title, unit, queries); the JSON is generated so that every
dashboard has the same layout conventions. tests/deploy/test_monitoring.py checks that each
query only names metrics the gateway exports.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "deploy" / "monitoring" / "grafana" / "dashboards"
DS = {"type": "prometheus", "uid": "prometheus"}

Panel = tuple[str, str, list[tuple[str, str]]]  # title, unit, [(expr, legend)]

OVERVIEW: list[tuple[str, list[Panel]]] = [
    (
        "Traffic",
        [
            (
                "Requests per second by route",
                "reqps",
                [
                    (
                        "sum by (route) (rate(llmgw_http_requests_total[$__rate_interval]))",
                        "{{route}}",
                    )
                ],
            ),
            (
                "Model calls per second by alias",
                "reqps",
                [
                    (
                        "sum by (alias) (rate(llmgw_llm_requests_total[$__rate_interval]))",
                        "{{alias}}",
                    )
                ],
            ),
            (
                "Tokens per second by kind",
                "short",
                [("sum by (kind) (rate(llmgw_llm_tokens_total[$__rate_interval]))", "{{kind}}")],
            ),
        ],
    ),
    (
        "Latency",
        [
            (
                "Gateway response time p50 / p95 / p99",
                "s",
                [
                    (
                        f"histogram_quantile({q}, sum by (le) "
                        "(rate(llmgw_http_request_duration_seconds_bucket[$__rate_interval])))",
                        f"p{int(q * 100)}",
                    )
                    for q in (0.5, 0.95, 0.99)
                ],
            ),
            (
                "Model-call latency p95 by alias",
                "s",
                [
                    (
                        "histogram_quantile(0.95, sum by (le, alias) "
                        "(rate(llmgw_llm_request_duration_seconds_bucket[$__rate_interval])))",
                        "{{alias}}",
                    )
                ],
            ),
            (
                "Time to first token p50 / p95 by alias",
                "s",
                [
                    (
                        f"histogram_quantile({q}, sum by (le, alias) "
                        "(rate(llmgw_llm_time_to_first_token_seconds_bucket[$__rate_interval])))",
                        f"p{int(q * 100)} {{{{alias}}}}",
                    )
                    for q in (0.5, 0.95)
                ],
            ),
        ],
    ),
    (
        "Errors",
        [
            (
                "HTTP responses by status",
                "reqps",
                [
                    (
                        "sum by (status) (rate(llmgw_http_requests_total[$__rate_interval]))",
                        "{{status}}",
                    )
                ],
            ),
            (
                "Upstream attempts that failed, by provider",
                "reqps",
                [
                    (
                        "sum by (provider, outcome) (rate(llmgw_upstream_attempts_total"
                        '{outcome!="ok"}[$__rate_interval]))',
                        "{{provider}} {{outcome}}",
                    )
                ],
            ),
            (
                "Retries and fallbacks",
                "reqps",
                [
                    ("sum(rate(llmgw_upstream_retries_total[$__rate_interval]))", "retries"),
                    ("sum(rate(llmgw_fallbacks_total[$__rate_interval]))", "fallbacks"),
                ],
            ),
            (
                "Open breakers (deployments cooling down)",
                "short",
                [("max by (deployment) (llmgw_deployment_cooldown_open)", "{{deployment}}")],
            ),
        ],
    ),
    (
        "Spend",
        [
            (
                "Spend per hour by model",
                "currencyUSD",
                [("sum by (alias) (increase(llmgw_llm_cost_usd_total[1h]))", "{{alias}}")],
            ),
            (
                "Spend per hour by tier",
                "currencyUSD",
                [("sum by (tier) (increase(llmgw_llm_cost_usd_total[1h]))", "{{tier}}")],
            ),
        ],
    ),
]

OPERATIONS: list[tuple[str, list[Panel]]] = [
    (
        "Rate limiting",
        [
            (
                "Refusals by limit",
                "reqps",
                [
                    (
                        "sum by (limit) (rate(llmgw_limit_rejections_total[$__rate_interval]))",
                        "{{limit}}",
                    )
                ],
            ),
        ],
    ),
    (
        "Cache",
        [
            (
                "Cache events",
                "reqps",
                [
                    (
                        "sum by (event) (rate(llmgw_cache_events_total[$__rate_interval]))",
                        "{{event}}",
                    )
                ],
            ),
            (
                "Hit ratio",
                "percentunit",
                [
                    (
                        'sum(rate(llmgw_cache_events_total{event=~"hits|semantic_hits"}'
                        "[$__rate_interval])) / clamp_min(sum(rate(llmgw_cache_events_total"
                        '{event=~"hits|semantic_hits|misses"}[$__rate_interval])), 1e-9)',
                        "hit ratio",
                    )
                ],
            ),
        ],
    ),
    (
        "Guardrails",
        [
            (
                "Guardrail actions by category",
                "reqps",
                [
                    (
                        "sum by (category, action) "
                        "(rate(llmgw_guardrail_actions_total[$__rate_interval]))",
                        "{{category}} {{action}}",
                    )
                ],
            ),
        ],
    ),
    (
        "Usage writer",
        [
            (
                "Backlog, spill and dead letters",
                "short",
                [
                    ("sum(llmgw_usage_queue_depth)", "queued"),
                    ("max(llmgw_usage_spill_length)", "spilled to Redis"),
                    ("max(llmgw_usage_dead_letters)", "dead letters"),
                    ("sum(llmgw_usage_dropped)", "dropped"),
                    ("max(llmgw_usage_stalled_seconds)", "stalled for (s)"),
                ],
            ),
            (
                "Writer events",
                "short",
                [
                    (
                        "sum by (event) (rate(llmgw_usage_writer_events_total[$__rate_interval]))",
                        "{{event}}",
                    )
                ],
            ),
            (
                "Batch write time p95",
                "s",
                [
                    (
                        "histogram_quantile(0.95, sum by (le) "
                        "(rate(llmgw_usage_batch_duration_seconds_bucket[$__rate_interval])))",
                        "p95",
                    )
                ],
            ),
        ],
    ),
    (
        "Backends",
        [
            ("Backend up", "short", [("min by (backend) (llmgw_backend_up)", "{{backend}}")]),
            (
                "Database connections in use",
                "short",
                [("sum(llmgw_db_pool_connections_in_use)", "in use")],
            ),
        ],
    ),
]


def dashboard(uid: str, title: str, rows: list[tuple[str, list[Panel]]]) -> dict[str, object]:
    panels: list[dict[str, object]] = []
    y = 0
    next_id = 1
    for row_title, row_panels in rows:
        panels.append(
            {
                "type": "row",
                "title": row_title,
                "id": next_id,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
            }
        )
        next_id += 1
        y += 1
        width = 24 // max(1, min(len(row_panels), 3))
        for i, (panel_title, unit, queries) in enumerate(row_panels):
            panels.append(
                {
                    "type": "timeseries",
                    "title": panel_title,
                    "id": next_id,
                    "datasource": DS,
                    "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                    "gridPos": {"h": 8, "w": width, "x": (i % 3) * width, "y": y + (i // 3) * 8},
                    "targets": [
                        {
                            "refId": chr(ord("A") + j),
                            "datasource": DS,
                            "expr": expr,
                            "legendFormat": legend,
                        }
                        for j, (expr, legend) in enumerate(queries)
                    ],
                }
            )
            next_id += 1
        y += 8 * ((len(row_panels) + 2) // 3)
    return {
        "uid": uid,
        "title": title,
        "tags": ["llm-gateway"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "panels": panels,
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, uid, title, rows in (
        (
            "overview.json",
            "llmgw-overview",
            "llm-gateway: traffic, latency, errors, spend",
            OVERVIEW,
        ),
        (
            "operations.json",
            "llmgw-operations",
            "llm-gateway: limits, cache, guardrails, usage",
            OPERATIONS,
        ),
    ):
        path = OUT / name
        path.write_text(json.dumps(dashboard(uid, title, rows), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
