"""Load and measurement helpers for the proxy benchmark: wrk runs, TTFT probes, process figures."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CHAT_BODY = '{"model":"bench","messages":[{"role":"user","content":"Say hello."}],"max_tokens":16}'
STREAM_BODY = (
    '{"model":"bench","stream":true,"messages":[{"role":"user","content":"Say hello."}],'
    '"max_tokens":16}'
)
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    non2xx: int
    cpu_us_per_request: float | None

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s


def _descendants(pid: int) -> list[int]:
    found, queue = [pid], [pid]
    while queue:
        current = queue.pop()
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            children = [int(c) for c in task.read_text().split()]
            found += children
            queue += children
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process and its children (workers) have used so far."""
    total = 0
    for each in _descendants(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS_PER_S


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def wrk(
    url: str,
    *,
    connections: int,
    duration_s: float,
    key: str = "",
    body: str = CHAT_BODY,
    pid: int | None = None,
) -> WrkResult:
    """One wrk run with ``bench/chat.lua``; CPU per request is measured on ``pid`` if given."""
    threads = 1 if connections == 1 else 2
    env = {
        **os.environ,
        "BENCH_KEY": key,
        "BENCH_BODY": body,
    }
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(duration_s)}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH_DIR / "chat.lua"),
        url,
    ]
    cpu_before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    cpu_after = cpu_seconds(pid) if pid else 0.0
    data = json.loads(out.strip().splitlines()[-1])
    requests = max(int(data["requests"]), 1)
    return WrkResult(
        requests=requests,
        duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=int(data["errors"]),
        non2xx=int(data["non2xx"]),
        cpu_us_per_request=(cpu_after - cpu_before) * 1e6 / requests if pid else None,
    )


async def _ttft_async(port: int, path: str, key: str, count: int) -> list[float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = STREAM_BODY.encode()
    auth = f"authorization: Bearer {key}\r\n" if key else ""
    request = (
        f"POST {path} HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n{auth}"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body
    samples: list[float] = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(request)
            buffer = b""
            first: float | None = None
            while not buffer.endswith(b"\r\n0\r\n\r\n"):
                data = await reader.read(65536)
                if not data:
                    raise RuntimeError("server closed the connection mid-stream")
                buffer += data
                if first is None and b"data:" in buffer:
                    first = time.perf_counter()
            if first is None or b" 200 " not in buffer[:16]:
                raise RuntimeError(f"unexpected stream answer: {buffer[:200]!r}")
            samples.append(first - started)
    finally:
        writer.close()
    return samples


def ttft(
    port: int, *, key: str = "", count: int = 500, path: str = "/v1/chat/completions"
) -> dict[str, float]:
    """Time to the first ``data:`` event of ``count`` sequential streams, in milliseconds."""
    samples = sorted(asyncio.run(_ttft_async(port, path, key, count + 20))[20:])  # 20 warm-up
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": samples[int(len(samples) * 0.99) - 1] * 1000,
    }


def _number(cell: str | None) -> float:
    """A Locust CSV figure; "N/A" (no request of that type finished) reads as 0."""
    try:
        return float(cell or 0)
    except ValueError:
        return 0.0


def locust(host: str, *, seconds: int, tmp: Path, users: int = 16) -> dict[str, object]:
    """A headless Locust run of ``tests/load/locustfile.py``; its per-request-type figures."""
    import csv

    prefix = tmp / "locust"
    command = [
        str(BENCH_DIR.parent / ".venv/bin/locust"),
        "-f",
        str(BENCH_DIR.parent / "tests/load/locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
    ]
    subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 120)
    rows = []
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows.append(
                {
                    "name": f"{row['Type']} {row['Name']}".strip(),
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": _number(row["50%"]),
                    "p99_ms": _number(row["99%"]),
                    "rps": _number(row["Requests/s"]),
                }
            )
    return {"seconds": seconds, "users": users, "rows": rows}
