"""Proxy overhead benchmark: direct vs through the gateway, in one run, on this machine.

Targets, all on 127.0.0.1 and all started here:

* ``direct``       the canned upstream itself (``bench/canned_upstream.py``)
* ``passthrough``  a bare raw-ASGI + aiohttp relay (``bench/passthrough_app.py``): the floor
* ``gateway-core`` the gateway, auth on, quota/usage hooks stubbed, access log off
* ``gateway-full`` ``llm-gateway serve`` as shipped (production settings: access log, quotas
  with limits high enough not to refuse, usage accounting)

Each target gets a wrk run with 1 connection (added latency) and with 16 (throughput), CPU time
per request from /proc, time to first token over sequential streams, and for the gateways RSS
before and after 100k more requests. Results go to stdout as Markdown (and JSON with --json).

    bash bench/run.sh          # or: .venv/bin/python bench/proxy_bench.py --duration 10
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench_clients import BENCH_DIR, rss_mb, ttft, wrk

ROOT = BENCH_DIR.parent
PYTHON = sys.executable
KEY = "sk-bench-master-key-0123456789"
TIERS = """enterprise:
  requests_per_minute: 1000000000
  tokens_per_minute: 1000000000000
  tokens_per_day: 1000000000000
  monthly_budget_usd: 1000000000
  max_concurrent: 100000
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_ready(port: int, path: str | None, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if path is None:
                socket.create_connection(("127.0.0.1", port), 1).close()
            else:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"port {port} not ready after {timeout_s} s")


def gateway_env(tmp: Path, upstream: int, *, access_log: bool) -> dict[str, str]:
    (tmp / "models.yaml").write_text(
        "version: 1\naliases:\n  bench:\n    deployments:\n"
        f"      - {{provider: openai, model: bench, base_url: 'http://127.0.0.1:{upstream}/v1'}}\n"
        "    capabilities: {tools: true, json: true}\n"
    )
    (tmp / "tiers.yaml").write_text(TIERS)
    return {
        **os.environ,
        "LLMGW_ENVIRONMENT": "production",
        "LLMGW_SECURITY__JWT_SECRET": "bench-jwt-secret-0123456789abcdef0123456789",
        "LLMGW_SECURITY__API_KEY_PEPPER": "bench-pepper-0123456789abcdef0123456789abc",
        "LLMGW_SECURITY__MASTER_KEY": KEY,
        "LLMGW_PROVIDERS__MODELS_FILE": str(tmp / "models.yaml"),
        "LLMGW_PROVIDERS__DEMO_UPSTREAM": "false",
        "LLMGW_QUOTAS__TIERS_FILE": str(tmp / "tiers.yaml"),
        "LLMGW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'gateway.db'}",
        "LLMGW_SERVER__ACCESS_LOG": "true" if access_log else "false",
        "LLMGW_TOOLS__CODE_EXECUTOR_MODE": "disabled",  # no sandbox probe at startup
        "PYTHONPATH": str(ROOT / "src"),
    }


def commands(ports: dict[str, int], gap_ms: float) -> dict[str, list[str]]:
    venv = ROOT / ".venv/bin"
    uvicorn_flags = ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    gap = ["--chunk-gap-ms", str(gap_ms)]
    return {
        "direct": [PYTHON, "canned_upstream.py", "--port", str(ports["direct"]), *gap],
        "passthrough": [
            str(venv / "uvicorn"),
            "passthrough_app:app",
            "--port",
            str(ports["passthrough"]),
            *uvicorn_flags,
            "--log-level",
            "warning",
        ],
        "gateway-core": [
            PYTHON,
            str(BENCH_DIR / "serve_gateway.py"),
            "--no-hooks",
            "--port",
            str(ports["gateway-core"]),
        ],
        "gateway-full": [str(venv / "llm-gateway"), "serve", "--port", str(ports["gateway-full"])],
    }


@contextmanager
def processes(tmp: Path, gap_ms: float) -> Iterator[dict[str, tuple[int, int, str]]]:
    """Start every target; yields name -> (port, pid, bearer key)."""
    names = ("direct", "passthrough", "gateway-core", "gateway-full")
    ports = {name: free_port() for name in names}
    upstream = f"http://127.0.0.1:{ports['direct']}"
    envs = {
        "direct": dict(os.environ),
        "passthrough": {**os.environ, "BENCH_UPSTREAM": upstream},
        "gateway-core": gateway_env(tmp, ports["direct"], access_log=False),
        "gateway-full": gateway_env(tmp, ports["direct"], access_log=True),
    }
    migrate = [str(ROOT / ".venv/bin/llm-gateway"), "db", "upgrade"]
    subprocess.run(migrate, env=envs["gateway-full"], check=True, capture_output=True)
    started: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands(ports, gap_ms).items():
            log = (tmp / f"{name}.log").open("wb")
            cwd = BENCH_DIR if name in ("direct", "passthrough") else ROOT
            started[name] = subprocess.Popen(
                command, env=envs[name], cwd=cwd, stdout=log, stderr=log
            )
        for name in names:
            wait_ready(ports[name], "/health/live" if name.startswith("gateway") else None)
        yield {
            name: (ports[name], started[name].pid, KEY if name.startswith("gateway") else "")
            for name in names
        }
    finally:
        for proc in started.values():
            proc.terminate()
        for proc in started.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def measure(targets: dict[str, tuple[int, int, str]], args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"load_before": os.getloadavg()}
    for name, (port, pid, key) in targets.items():
        url = f"http://127.0.0.1:{port}"
        wrk(url, connections=4, duration_s=2, key=key)  # warm-up: connections, caches, JIT-free
        one = wrk(url, connections=1, duration_s=args.duration, key=key, pid=pid)
        many = wrk(url, connections=16, duration_s=args.duration, key=key, pid=pid)
        stream = ttft(port, key=key, count=args.streams)
        results[name] = {
            "c1": asdict(one),
            "c16": asdict(many),
            "c16_rps": many.rps,
            "ttft": stream,
        }
        print(f"# {name}: done", file=sys.stderr, flush=True)
    if args.rss_requests:
        for name in ("gateway-core", "gateway-full"):
            port, pid, key = targets[name]
            url = f"http://127.0.0.1:{port}"
            wrk(url, connections=16, duration_s=5, key=key)  # settle after the runs above
            before, served = rss_mb(pid), 0
            while served < args.rss_requests:
                served += wrk(url, connections=16, duration_s=10, key=key).requests
            results[name]["rss_mb"] = {"before": before, "after": rss_mb(pid), "requests": served}
            print(f"# {name}: rss done", file=sys.stderr, flush=True)
    results["load_after"] = os.getloadavg()
    return results


def report(results: dict[str, Any]) -> str:
    direct, floor = results["direct"], results["passthrough"]
    load = f"{results['load_before'][0]:.2f} / {results['load_after'][0]:.2f}"
    lines = [
        f"Load average before/after: {load} ({os.cpu_count()} cores)",
        "",
        "| target | p50 1-in-flight (ms) | p99 (ms) | added p50 vs direct | added p99 "
        "| req/s at 16 | CPU µs/req | TTFT p50 (ms) | added TTFT | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("direct", "passthrough", "gateway-core", "gateway-full"):
        r = results[name]
        c1, c16 = r["c1"], r["c16"]
        cpu = f"{c16['cpu_us_per_request']:.0f}" if c16["cpu_us_per_request"] else "-"
        added_p50 = c1["p50_ms"] - direct["c1"]["p50_ms"]
        added_p99 = c1["p99_ms"] - direct["c1"]["p99_ms"]
        lines.append(
            f"| {name} | {c1['p50_ms']:.3f} | {c1['p99_ms']:.3f} | {added_p50:+.3f} "
            f"| {added_p99:+.3f} | "
            f"{r['c16_rps']:.0f} | {cpu} | {r['ttft']['p50_ms']:.3f} | "
            f"{r['ttft']['p50_ms'] - direct['ttft']['p50_ms']:+.3f} | "
            f"{c1['errors'] + c1['non2xx'] + c16['errors'] + c16['non2xx']} |"
        )
    lines.append("")
    for name in ("gateway-core", "gateway-full"):
        rss = results[name].get("rss_mb")
        if rss:
            lines.append(
                f"- {name}: RSS {rss['before']:.1f} MB after warm-up, {rss['after']:.1f} MB after "
                f"{rss['requests']:,} more requests ({rss['after'] - rss['before']:+.1f} MB)"
            )
    over_floor = results["gateway-core"]["c1"]["p50_ms"] - floor["c1"]["p50_ms"]
    lines.append(f"- gateway-core p50 over the bare passthrough: {over_floor:+.3f} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--streams", type=int, default=500, help="sequential streams for TTFT")
    parser.add_argument("--rss-requests", type=int, default=100_000, help="0 skips the RSS run")
    parser.add_argument("--json", type=Path, help="also write raw results here")
    parser.add_argument(
        "--chunk-gap-ms", type=float, default=2.0, help="pause between the upstream's chunks"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the targets on `kill` too
    with (
        tempfile.TemporaryDirectory(prefix="llmgw-bench-") as tmp,
        processes(Path(tmp), args.chunk_gap_ms) as targets,
    ):
        results = measure(targets, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(report(results))


if __name__ == "__main__":
    main()
