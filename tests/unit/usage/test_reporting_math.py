"""Usage arithmetic: histogram buckets, percentiles, window splitting, date-range validation."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from llm_gateway.core.exceptions import UnprocessableError
from llm_gateway.repositories.admin import interpolate
from llm_gateway.schemas.admin import AdminUsagePage, AdminUsageRow
from llm_gateway.services.usage.dashboard import histogram_percentile
from llm_gateway.services.usage.ranges import Window, day_range, today, window
from llm_gateway.services.usage.record import UsageEvent, bucket_value, latency_bucket
from llm_gateway.services.usage.reports import usage_csv


@pytest.mark.parametrize("ms", [0.2, 1.0, 7.5, 120.0, 999.0, 45_000.0])
def test_bucket_value_is_within_eight_percent(ms: float) -> None:
    value = bucket_value(latency_bucket(ms))
    if ms >= 1:
        assert abs(value - ms) / ms < 0.08
    else:
        assert value < 1


def test_histogram_percentile_tracks_the_exact_percentile() -> None:
    values = [float(v) for v in range(1, 1001)]
    histogram: dict[int, int] = {}
    for v in values:
        histogram[latency_bucket(v)] = histogram.get(latency_bucket(v), 0) + 1
    for fraction in (0.5, 0.95):
        exact = interpolate(values, fraction)
        approx = histogram_percentile(histogram, fraction)
        assert exact is not None
        assert approx is not None
        assert abs(approx - exact) / exact < 0.08
    assert histogram_percentile({}, 0.5) is None


def test_interpolate_matches_percentile_cont() -> None:
    assert interpolate([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert interpolate([10.0], 0.95) == 10.0
    assert interpolate([], 0.5) is None


def test_window_splits_into_whole_days_and_edges() -> None:
    start = datetime(2026, 3, 1, 18, tzinfo=UTC)
    end = datetime(2026, 3, 4, 6, tzinfo=UTC)
    days, edges = Window(start, end).split()
    assert days == (date(2026, 3, 2), date(2026, 3, 3))
    assert edges == [
        (start, datetime(2026, 3, 2, tzinfo=UTC)),
        (datetime(2026, 3, 4, tzinfo=UTC), end),
    ]
    aligned = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)).split()
    assert aligned == ((date(2026, 3, 1), date(2026, 3, 2)), [])
    short = Window(start, start + timedelta(hours=20)).split()
    assert short == (None, [(start, start + timedelta(hours=20))])


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 3, 5), date(2026, 3, 1)),  # reversed
        (date(1990, 1, 1), date(1990, 1, 2)),  # absurdly old
        (today() + timedelta(days=30), today() + timedelta(days=31)),  # future
        (today() - timedelta(days=800), today()),  # too long
    ],
)
def test_bad_day_ranges_are_422(start: date, end: date) -> None:
    with pytest.raises(UnprocessableError):
        day_range(start, end)


def test_windows_default_to_the_last_day_and_refuse_nonsense() -> None:
    w = window(None, None)
    assert w.end - w.start == timedelta(hours=24)
    now = datetime.now(UTC)
    with pytest.raises(UnprocessableError):
        window(now, now - timedelta(hours=1))
    with pytest.raises(UnprocessableError):
        window(now - timedelta(days=400), now)


def test_usage_event_survives_the_spill_encoding() -> None:
    event = UsageEvent(
        request_id="req_1",
        source="proxy",
        endpoint="/v1/chat/completions",
        alias="chat",
        user_id=uuid.uuid4(),
        prompt_tokens=3,
        cost_usd=0.25,
        ttft_ms=12.5,
    )
    assert UsageEvent.from_json(event.to_json()) == event


def test_csv_export_neutralizes_formulas_and_escapes_delimiters() -> None:
    rows = [
        AdminUsageRow(
            model=name,
            requests=1,
            errors=0,
            prompt_tokens=1,
            completion_tokens=1,
            cached_tokens=0,
            total_tokens=2,
            cost_usd=0.5,
        )
        for name in (
            '=HYPERLINK("http://x")',
            "+1",
            "-2",
            "@SUM(A1)",
            'a,b"c\nd',
            "cheap",
            " =cmd()",
            "\n=1+1",
            "\t=x",
            "\r\n+y",
            "  @z",
            "a =b",
        )
    ]
    page = AdminUsagePage(
        start=date(2026, 1, 1),
        end=date(2026, 1, 2),
        group_by=["model"],
        page=1,
        page_size=10,
        total=len(rows),
        items=rows,
    )
    parsed = list(csv.DictReader(io.StringIO(usage_csv(page))))
    assert [r["model"] for r in parsed] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        'a,b"c\nd',
        "cheap",
        "' =cmd()",
        "'\n=1+1",
        "'\t=x",
        "'\r\n+y",
        "'  @z",
        "a =b",
    ]
    assert {r["cost_usd"] for r in parsed} == {"0.5"}  # numbers are left alone
