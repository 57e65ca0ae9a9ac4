"""The benchmark scripts and the Locust scenario stay valid Python, and the report renders.

Benchmarks never run in the test suite; this only catches a broken script before `make bench`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path", [*sorted((ROOT / "bench").glob("*.py")), ROOT / "tests/load/locustfile.py"]
)
def test_script_parses(path: Path) -> None:
    ast.parse(path.read_text(), filename=str(path))


def test_report_writes_the_table_between_markers(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench_report import END, START, render, write_doc
    finally:
        sys.path.remove(str(ROOT / "bench"))
    run = {
        "c1": {"p50_ms": 0.5, "p99_ms": 1.0, "errors": 0, "non2xx": 0},
        "c16": {"cpu_us_per_request": 300.0, "errors": 0, "non2xx": 0},
        "c16_rps": 2500.0,
        "stream_c16_rps": 2000.0,
        "stream_errors": 0,
        "ttft": {"p50_ms": 1.0},
    }
    results = {
        "started": "2026-12-03 21:00 UTC",
        "machine": "2 CPUs",
        "load_before": (1.0, 1.0, 1.0),
        "load_after": (1.5, 1.0, 1.0),
        "targets": {
            "direct": {**run, "c16_rps": 90000.0},
            "passthrough": {**run, "c16_rps": 5000.0},
            "production": {**run, "rss_mb": {"before": 120, "after": 121, "requests": 100000}},
        },
    }
    text = render(results)
    assert "| llm-gateway, PostgreSQL + Redis | +0.000 | +0.000 | 2,500 | 50 % |" in text
    assert "120 → 121 MB" in text
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(f"# Benchmarks\n\nbefore\n{START}\nold table\n{END}\nafter\n")
    write_doc(doc, text)
    written = doc.read_text()
    assert "old table" not in written
    assert written.startswith("# Benchmarks\n\nbefore\n")
    assert written.endswith(f"{END}\nafter\n")
    assert "2,500" in written
