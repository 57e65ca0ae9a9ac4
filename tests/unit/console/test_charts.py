"""Server-side bar charts: bars scale to the largest value, days without usage count zero."""

from __future__ import annotations

from datetime import date

from llm_gateway.console.charts import HEIGHT, bar_chart, daily, day_span, fmt


def test_bars_scale_to_the_largest_value_and_stay_inside_the_box() -> None:
    chart = bar_chart("t", [("a", 10.0), ("b", 5.0), ("c", 0.0)])

    a, b, c = chart.bars
    assert a.height == 2 * b.height
    assert c.height == 0
    for bar in chart.bars:
        assert 0 <= bar.y <= HEIGHT
        assert bar.x >= 0
        assert bar.x + bar.width <= chart.width


def test_thirty_days_get_every_day_and_at_most_sixteen_labels() -> None:
    days = day_span(date(2026, 11, 5), date(2026, 12, 4))
    points = daily(days, {date(2026, 12, 4): 3.0})

    chart = bar_chart("t", points)

    assert len(points) == 30
    assert points[-1] == ("12-04", 3.0)
    assert points[0] == ("11-05", 0.0)
    assert sum(bar.labelled for bar in chart.bars) <= 16


def test_numbers_are_short_and_small_costs_stay_readable() -> None:
    assert fmt(1_234_567) == "1.2M"
    assert fmt(40_000) == "40.0k"
    assert fmt(14) == "14"
    assert fmt(0.0000057) == "0.0000057"
    assert bar_chart("empty", []).empty
