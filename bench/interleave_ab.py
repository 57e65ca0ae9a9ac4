"""Interleaved A/B of two checkouts' gateways, for a machine too busy for back-to-back runs.

``proxy_bench.py`` measures one tree's targets one after the other; on a shared box the load
moves between runs by more than most changes are worth. Here both trees' gateways run at the
same time (each ``llm-gateway serve`` gets ``PYTHONPATH=<tree>/src``, the venv is this one, and
each PostgreSQL + Redis gateway its own throwaway database and key namespace) beside one canned
upstream and, with ``--floor``, the passthrough floor; ``wrk`` then alternates between them,
``--seconds`` at 16 concurrent (and at 1 in flight with ``--c1``) per target per round, the order
reversed every other round (``--stream``: streamed completions instead). It prints the medians
over ``--rounds`` (and the range of req/s and CPU µs/request, to show the noise):

    .venv/bin/python bench/interleave_ab.py /path/to/main-checkout . --rounds 6 --c1 --floor
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import proxy_bench
import targets
from bench_clients import CHAT_BODY, STREAM_BODY, wrk


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _start(
    procs: list[subprocess.Popen[bytes]],
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    port: int,
    health: str | None,
    log: Path,
) -> int:
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    procs.append(proc)
    proxy_bench.wait_ready(port, health, proc, 240)
    return proc.pid


def _rounds(runs: dict[str, tuple[int, int, str]], args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    body = STREAM_BODY if args.stream else CHAT_BODY
    for port, _, key in runs.values():
        wrk(f"http://127.0.0.1:{port}", connections=4, duration_s=3, key=key, body=body)  # warm
    order = list(runs)
    for r in range(args.rounds):
        for name in order if r % 2 == 0 else order[::-1]:
            port, pid, key = runs[name]
            url = f"http://127.0.0.1:{port}"
            many = wrk(url, connections=16, duration_s=args.seconds, key=key, body=body, pid=pid)
            row = {"rps": many.rps, "cpu": many.cpu_us_per_request or 0.0}
            if args.c1:
                one = wrk(url, connections=1, duration_s=args.seconds, key=key, body=body, pid=pid)
                row |= {"p50": one.p50_ms, "p99": one.p99_ms, "cpu1": one.cpu_us_per_request or 0}
            results[name].append(row)
        print(f"# round {r + 1}/{args.rounds}, load {_load()}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("a", type=Path, help="checkout A (e.g. main)")
    parser.add_argument("b", type=Path, help="checkout B (e.g. this branch)")
    parser.add_argument("--targets", default="embedded,production")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--c1", action="store_true", help="also 1 in flight (p50, p99)")
    parser.add_argument("--floor", action="store_true", help="also the passthrough floor")
    parser.add_argument("--stream", action="store_true", help='requests with "stream": true')
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="llmgw-ab-"))
    procs: list[subprocess.Popen[bytes]] = []
    made: list[targets.Backends] = []
    runs: dict[str, tuple[int, int, str]] = {}
    print(f"# load before {_load()}", flush=True)
    try:
        upstream = proxy_bench.free_port()
        direct = targets.command("direct", upstream, upstream, tmp, 0.0)
        _start(procs, direct, dict(os.environ), targets.BENCH_DIR, upstream, None, tmp / "up.log")
        if args.floor:
            port = proxy_bench.free_port()
            env = dict(os.environ, BENCH_UPSTREAM=f"http://127.0.0.1:{upstream}")
            cmd = targets.command("passthrough", port, upstream, tmp, 0.0)
            runs["floor"] = (
                port,
                _start(procs, cmd, env, targets.BENCH_DIR, port, None, tmp / "floor.log"),
                "",
            )
        for side, root in (("A", args.a.resolve()), ("B", args.b.resolve())):
            for name in args.targets.split(","):
                backends = None
                if name == "production":
                    backends = targets.Backends()
                    backends.create()
                    made.append(backends)
                work = tmp / f"{side}-{name}"
                work.mkdir()
                env = targets.gateway_env(work, upstream, backends)
                env["PYTHONPATH"] = str(root / "src")
                port = proxy_bench.free_port()
                cmd = targets.command(name, port, upstream, tmp, 0.0)
                pid = _start(procs, cmd, env, root, port, "/health/live", work / "serve.log")
                runs[f"{side} {name}"] = (port, pid, targets.KEY)
        results = _rounds(runs, args)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for backends in made:
            backends.drop()
    print(f"# load after {_load()}; medians of {args.rounds} rounds")
    for name, rows in results.items():
        med = {f: statistics.median(row[f] for row in rows) for f in rows[0]}
        rps = [row["rps"] for row in rows]
        cpu = [row["cpu"] for row in rows]
        line = f"{name:14} req/s {med['rps']:7.0f} ({min(rps):.0f}-{max(rps):.0f})  "
        line += f"CPU us/req {med['cpu']:5.0f} ({min(cpu):.0f}-{max(cpu):.0f})"
        if args.c1:
            line += f"  @1: p50 {med['p50']:.3f} ms, p99 {med['p99']:.3f} ms, CPU {med['cpu1']:.0f}"
        print(line)


if __name__ == "__main__":
    main()
