"""Bar charts as plain SVG geometry, computed server-side (no chart library, no inline styles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 200
LABEL_SPACE = 36
TOP_SPACE = 14


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    value_text: str


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
    return f"{value:.4g}"


def bar_chart(title: str, points: Sequence[tuple[str, float]]) -> BarChart:
    """One bar per ``(label, value)``; labels are drawn under the bars, values above."""
    if not points:
        return BarChart(title, ())
    top = max(value for _, value in points) or 1.0
    slot = WIDTH / len(points)
    gap = min(slot * 0.2, 8.0)
    plot = HEIGHT - LABEL_SPACE - TOP_SPACE
    bars = []
    for index, (label, value) in enumerate(points):
        height = max(plot * value / top, 1.0 if value else 0.0)
        bars.append(
            Bar(
                x=round(index * slot + gap / 2, 2),
                y=round(TOP_SPACE + plot - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
                label=label,
                value=value,
                value_text=fmt(value),
            )
        )
    return BarChart(title, tuple(bars))
