"""The proxy benchmark's tables (Markdown), and writing them into docs/BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

START = "<!-- bench:proxy:start (written by bench/proxy_bench.py --write-doc) -->"
END = "<!-- bench:proxy:end -->"
LABELS = {
    "direct": "canned upstream (direct)",
    "passthrough": "raw ASGI + aiohttp passthrough (the floor)",
    "embedded": "llm-gateway, SQLite + in-process store",
    "production": "llm-gateway, PostgreSQL + Redis",
    "production-2w": "llm-gateway, PostgreSQL + Redis, 2 workers",
    "litellm": "LiteLLM proxy 1.108.7, 1 worker",
}


def _rss(result: dict[str, Any]) -> str:
    rss = result.get("rss_mb")
    if not rss:
        return "–"
    return f"{rss['before']:.0f} → {rss['after']:.0f} MB ({rss['requests']:,} req)"


def render(results: dict[str, Any]) -> str:
    by_name: dict[str, Any] = results["targets"]
    direct = by_name["direct"]
    floor = by_name.get("passthrough")
    lb, la = results["load_before"], results["load_after"]
    lines = [
        f"Run started {results['started']}; {results['machine']}; load average (1/5/15 min) "
        f"{lb[0]:.2f}/{lb[1]:.2f}/{lb[2]:.2f} before, {la[0]:.2f}/{la[1]:.2f}/{la[2]:.2f} after.",
        "",
        "| target | added p50 @1 (ms) | added p99 @1 (ms) | req/s @16 | % of floor | CPU µs/req "
        "| stream req/s @16 | added TTFT p50 (ms) | RSS after warm-up → after more requests "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name, r in by_name.items():
        c1, c16 = r["c1"], r["c16"]
        cpu = c16.get("cpu_us_per_request")
        share = f"{100 * r['c16_rps'] / floor['c16_rps']:.0f} %" if floor else "–"
        errors = c1["errors"] + c1["non2xx"] + c16["errors"] + c16["non2xx"] + r["stream_errors"]
        lines.append(
            f"| {LABELS.get(name, name)} | {c1['p50_ms'] - direct['c1']['p50_ms']:+.3f} "
            f"| {c1['p99_ms'] - direct['c1']['p99_ms']:+.3f} | {r['c16_rps']:,.0f} | {share} "
            f"| {cpu:.0f} | {r['stream_c16_rps']:,.0f} "
            f"| {r['ttft']['p50_ms'] - direct['ttft']['p50_ms']:+.3f} | {_rss(r)} | {errors} |"
            if cpu is not None
            else f"| {LABELS.get(name, name)} | – | – | {r['c16_rps']:,.0f} | – | – "
            f"| {r['stream_c16_rps']:,.0f} | – | – | {errors} |"
        )
    loc = results.get("locust")
    if loc:
        lines += [
            "",
            f"Locust (`tests/load/locustfile.py`, {loc['users']} users, {loc['seconds']} s, "
            "against the PostgreSQL + Redis gateway):",
            "",
            "| request | requests | failures | p50 (ms) | p99 (ms) | req/s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in loc["rows"]:
            lines.append(
                f"| {row['name']} | {row['requests']:,} | {row['failures']:,} "
                f"| {row['p50_ms']:.0f} | {row['p99_ms']:.0f} | {row['rps']:.1f} |"
            )
    return "\n".join(lines)


def write_doc(path: Path, text: str) -> None:
    """Replace what is between the markers (appended at the end if they are missing)."""
    doc = path.read_text()
    block = f"{START}\n{text}\n{END}"
    if START in doc and END in doc:
        head, _, rest = doc.partition(START)
        _, _, tail = rest.partition(END)
        doc = head + block + tail
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(doc)
