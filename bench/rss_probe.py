"""Resident memory of one gateway worker, stage by stage, under environment variants.

Starts the ``production`` (PostgreSQL + Redis) or ``embedded`` target of ``bench/proxy_bench.py``
(same settings, same canned upstream) once per variant and reads ``VmRSS`` from ``/proc``: idle
after startup, after the bench's warm-up, after each 10 s of proxied requests at 16 concurrent
until ``--requests`` (the ``series``), then after one ``"model": "auto"`` request (what building
the agent on demand adds). A variant is a list of environment assignments, e.g.::

    .venv/bin/python bench/rss_probe.py --requests 100000 \\
        --variant shipped= --variant arenas2=MALLOC_ARENA_MAX=2 \\
        --variant preload=LLMGW_AGENT__PRELOAD=true
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import urllib.request
from pathlib import Path

import targets
from bench_clients import rss_mb, wrk
from proxy_bench import running

AUTO_BODY = json.dumps(
    {"model": "auto", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16}
)


def _auto(port: int) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        data=AUTO_BODY.encode(),
        headers={"authorization": f"Bearer {targets.KEY}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as reply:  # noqa: S310 - http://127.0.0.1
        status: int = reply.status
    return status


def measure(
    target: str, env: dict[str, str], requests: int, max_seconds: float
) -> dict[str, object]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the gateway's environment starts from this process's
    try:
        with tempfile.TemporaryDirectory() as tmp, running([target], Path(tmp), 0) as up:
            port, pid, key = up[target]
            url = f"http://127.0.0.1:{port}"
            stages: dict[str, object] = {"idle": rss_mb(pid)}
            wrk(url, connections=4, duration_s=2, key=key)
            wrk(url, connections=16, duration_s=3, key=key)
            stages["warm"] = rss_mb(pid)
            served, deadline, series = 0, time.monotonic() + max_seconds, []
            while served < requests and time.monotonic() < deadline:
                served += wrk(url, connections=16, duration_s=10, key=key).requests
                series.append((served, round(rss_mb(pid), 1)))  # (requests so far, MB)
            stages["after"] = rss_mb(pid)
            stages["series"] = series
            stages["requests"] = served
            stages["auto_status"] = _auto(port)
            stages["after_auto"] = rss_mb(pid)
            return stages
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=("production", "embedded"), default="production")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME=K=V,K=V (NAME= alone: as shipped); repeat, in the order to run",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    for spec in args.variant or ["shipped="]:
        name, _, assignments = spec.partition("=")
        env = dict(a.split("=", 1) for a in assignments.split(",") if a)
        result = measure(args.target, env, args.requests, args.max_seconds)
        print(json.dumps({"variant": name, "env": env, **result}), flush=True)
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
