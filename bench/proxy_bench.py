"""Proxy overhead benchmark: the floor, both gateway backends and LiteLLM, in one run.

Targets (``bench/targets.py``): ``direct`` (the canned upstream), ``passthrough`` (raw ASGI +
aiohttp: the floor), ``embedded`` (SQLite + in-process store), ``production`` (PostgreSQL +
Redis), ``production-2w`` (two workers), ``litellm`` (its proxy, pinned, own venv). Each gets
wrk with 1 connection (added latency), with 16 (throughput; CPU time per request from /proc,
summed over the target's processes), 16 concurrent streams, time to first token over sequential
streams, and for the one-worker gateways RSS before and after ≥100k more requests. A Locust run
(``tests/load/locustfile.py``) against the production target follows. ``--write-doc`` puts the
tables into docs/BENCHMARKS.md between the ``bench:proxy`` markers.

    bash bench/run.sh          # = make bench; extra arguments go to this driver
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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

import targets
from bench_clients import STREAM_BODY, locust, rss_mb, ttft, wrk
from bench_report import render, write_doc

HEALTH = {"litellm": "/health/liveliness", "direct": None, "passthrough": None}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_ready(
    port: int, path: str | None, proc: subprocess.Popen[bytes], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"target on port {port} exited with {proc.returncode}")
        try:
            if path is None:
                socket.create_connection(("127.0.0.1", port), 1).close()
            else:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"port {port} not ready after {timeout_s} s")


@contextmanager
def running(
    names: list[str], tmp: Path, gap_ms: float
) -> Iterator[dict[str, tuple[int, int, str]]]:
    """Start the targets; yields name -> (port, pid, bearer key)."""
    ports = {name: free_port() for name in ["direct", *names]}
    upstream = ports["direct"]
    backends = targets.Backends() if any(n.startswith("production") for n in names) else None
    started: dict[str, subprocess.Popen[bytes]] = {}
    try:
        if backends is not None:
            backends.create()
        for name in ports:
            env: dict[str, str] = dict(os.environ)
            if name == "passthrough":
                env["BENCH_UPSTREAM"] = f"http://127.0.0.1:{upstream}"
            elif name in targets.GATEWAYS:
                work = tmp / name
                work.mkdir(exist_ok=True)
                env = targets.gateway_env(work, upstream, backends if name != "embedded" else None)
            cwd = targets.BENCH_DIR if name in ("direct", "passthrough") else targets.ROOT
            log = (tmp / f"{name}.log").open("wb")
            started[name] = subprocess.Popen(
                targets.command(name, ports[name], upstream, tmp, gap_ms),
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=log,
            )
            # One at a time: the gateways migrate their database on startup.
            wait_ready(ports[name], HEALTH.get(name, "/health/live"), started[name], 240)
        yield {
            name: (
                ports[name],
                started[name].pid,
                "" if name in HEALTH and name != "litellm" else targets.KEY,
            )
            for name in ports
        }
    finally:
        for proc in started.values():
            proc.terminate()
        for proc in started.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if backends is not None:
            backends.drop()


def measure_one(
    name: str, port: int, pid: int, key: str, args: argparse.Namespace
) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}"
    wrk(url, connections=4, duration_s=2, key=key)  # warm-up: connections, caches
    one = wrk(url, connections=1, duration_s=args.duration, key=key, pid=pid)
    many = wrk(url, connections=16, duration_s=args.duration, key=key, pid=pid)
    streams = wrk(url, connections=16, duration_s=args.duration, key=key, body=STREAM_BODY)
    result: dict[str, Any] = {
        "c1": asdict(one),
        "c16": asdict(many),
        "c16_rps": many.rps,
        "stream_c16_rps": streams.rps,
        "stream_errors": streams.errors + streams.non2xx,
        "ttft": ttft(port, key=key, count=args.streams),
    }
    if name in ("embedded", "production") and args.rss_requests:
        wrk(url, connections=16, duration_s=3, key=key)
        before, served = rss_mb(pid), 0
        deadline = time.monotonic() + args.rss_max_seconds  # bounded on a slow or busy box
        while served < args.rss_requests and time.monotonic() < deadline:
            served += wrk(url, connections=16, duration_s=10, key=key).requests
        result["rss_mb"] = {"before": before, "after": rss_mb(pid), "requests": served}
    print(f"# {name}: done", file=sys.stderr, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--streams", type=int, default=500, help="sequential streams for TTFT")
    parser.add_argument("--rss-requests", type=int, default=100_000, help="0 skips the RSS run")
    parser.add_argument(
        "--rss-max-seconds", type=float, default=240, help="stop the RSS run after this long"
    )
    parser.add_argument("--locust-seconds", type=int, default=60, help="0 skips the Locust run")
    parser.add_argument("--chunk-gap-ms", type=float, default=0.0, help="gap between chunks")
    parser.add_argument(
        "--targets",
        default=",".join(targets.ALL[1:]),
        help="comma-separated, of: " + ", ".join(targets.ALL[1:]),
    )
    parser.add_argument("--json", type=Path, help="also write raw results here")
    parser.add_argument("--write-doc", type=Path, help="replace the bench:proxy section here")
    args = parser.parse_args()
    names = [n for n in args.targets.split(",") if n and n != "direct"]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the targets on `kill` too
    results: dict[str, Any] = {
        "load_before": os.getloadavg(),
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}",
        "targets": {},
    }
    with (
        tempfile.TemporaryDirectory(prefix="llmgw-bench-") as tmp,
        running(names, Path(tmp), args.chunk_gap_ms) as procs,
    ):
        for name, (port, pid, key) in procs.items():
            results["targets"][name] = measure_one(name, port, pid, key, args)
        if args.locust_seconds and "production" in procs:
            port = procs["production"][0]
            results["locust"] = locust(
                f"http://127.0.0.1:{port}", seconds=args.locust_seconds, tmp=Path(tmp)
            )
    results["load_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    text = render(results)
    print(text)
    if args.write_doc:
        write_doc(args.write_doc, text)


if __name__ == "__main__":
    main()
