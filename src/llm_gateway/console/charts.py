"""Bar charts as plain SVG geometry, computed server-side (no chart library, no inline styles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH = 640
HEIGHT = 200
LABEL_SPACE = 36
TOP_SPACE = 14
MAX_BAR = 56.0
MAX_LABELS = 16
PAD = 18  # room for the first and last labels


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    value_text: str
    labelled: bool = True  # with many bars only every n-th one is labelled


@dataclass(frozen=True, slots=True)
class BarChart:
    """Bars scaled to the largest value; ``title`` is the accessible name of the ``<svg>``."""

    title: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        return not self.bars


def fmt(value: float) -> str:
    """A short number: 1234567 → 1.2M, 0.0042 → 0.0042."""
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.1f}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.1f}k"
    if magnitude >= 100 or value == int(value):
        return f"{value:,.0f}"
    if magnitude >= 0.01:
        return f"{value:.2f}"
    return f"{value:.8f}".rstrip("0")


def daily(days: Sequence[date], values: dict[date, float]) -> list[tuple[str, float]]:
    """One point per day of ``days`` (missing days count 0), labelled MM-DD."""
    return [(day.strftime("%m-%d"), values.get(day, 0.0)) for day in days]


def day_span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def bar_chart(title: str, points: Sequence[tuple[str, float]]) -> BarChart:
    """One bar per ``(label, value)``; labels are drawn under the bars, values above."""
    if not points:
        return BarChart(title, ())
    top = max(value for _, value in points) or 1.0
    slot = (WIDTH - 2 * PAD) / len(points)
    width = min(slot * 0.8, MAX_BAR)
    step = -(-len(points) // MAX_LABELS)  # ceil: at most MAX_LABELS labels
    plot = HEIGHT - LABEL_SPACE - TOP_SPACE
    bars = []
    for index, (label, value) in enumerate(points):
        height = max(plot * value / top, 1.0 if value else 0.0)
        bars.append(
            Bar(
                x=round(PAD + index * slot + (slot - width) / 2, 2),
                y=round(TOP_SPACE + plot - height, 2),
                width=round(width, 2),
                height=round(height, 2),
                label=label,
                value=value,
                value_text=fmt(value),
                labelled=index % step == 0,
            )
        )
    return BarChart(title, tuple(bars))
