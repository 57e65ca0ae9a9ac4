"""Date ranges and time windows for usage reports: defaults, and 422s for nonsense."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from llm_gateway.core.exceptions import UnprocessableError

EARLIEST = date(2000, 1, 1)
MAX_REPORT_DAYS = 366
MAX_WINDOW_DAYS = 93
DEFAULT_REPORT_DAYS = 30


def today() -> date:
    return datetime.now(UTC).date()


def day_range(
    start: date | None, end: date | None, *, default_days: int = DEFAULT_REPORT_DAYS
) -> tuple[date, date]:
    """Inclusive UTC days; ``end`` defaults to today and ``start`` to ``default_days`` before.

    Raises:
        UnprocessableError: reversed, before 2000, after tomorrow, or longer than a year.
    """
    tomorrow = today() + timedelta(days=1)
    # Bounds first: arithmetic on a date near date.min/max would overflow into a 500.
    if any(d is not None and not EARLIEST <= d <= tomorrow for d in (start, end)):
        raise _out_of_bounds()
    last = end or today()
    first = start or last - timedelta(days=default_days - 1)
    if first > last:
        raise UnprocessableError("start must not be after end", code="invalid_date_range")
    if first < EARLIEST:
        raise _out_of_bounds()
    if (last - first).days + 1 > MAX_REPORT_DAYS:
        raise UnprocessableError(
            f"the range may cover at most {MAX_REPORT_DAYS} days", code="invalid_date_range"
        )
    return first, last


def _out_of_bounds() -> UnprocessableError:
    return UnprocessableError(
        f"dates must lie between {EARLIEST.isoformat()} and tomorrow", code="invalid_date_range"
    )


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open UTC time window, split into whole days and the partial edges around them."""

    start: datetime
    end: datetime

    def split(self) -> tuple[tuple[date, date] | None, list[tuple[datetime, datetime]]]:
        """Whole days inside the window (inclusive) and the raw-row edges before and after."""
        first_midnight = datetime.combine(self.start.date(), time(), UTC)
        if first_midnight < self.start:
            first_midnight += timedelta(days=1)
        last_midnight = datetime.combine(self.end.date(), time(), UTC)
        if last_midnight <= first_midnight:
            return None, [(self.start, self.end)]
        days = (first_midnight.date(), last_midnight.date() - timedelta(days=1))
        edges = [
            (a, b) for a, b in ((self.start, first_midnight), (last_midnight, self.end)) if a < b
        ]
        return days, edges


def window(start: datetime | None, end: datetime | None, *, default_hours: int = 24) -> Window:
    """A time window ending now by default; naive datetimes are read as UTC.

    Raises:
        UnprocessableError: reversed, empty, before 2000, or longer than ``MAX_WINDOW_DAYS``.
    """
    now = datetime.now(UTC)
    try:
        # Converting or shifting a datetime near datetime.min/max overflows: that is bad input.
        last = _utc(end) if end else now
        if last.date() < EARLIEST:
            raise _out_of_bounds()
        first = _utc(start) if start else last - timedelta(hours=default_hours)
    except OverflowError:
        raise _out_of_bounds() from None
    if first >= last:
        raise UnprocessableError("start must be before end", code="invalid_date_range")
    if first.date() < EARLIEST or last > now + timedelta(days=1):
        raise _out_of_bounds()
    if last - first > timedelta(days=MAX_WINDOW_DAYS):
        raise UnprocessableError(
            f"the window may cover at most {MAX_WINDOW_DAYS} days", code="invalid_date_range"
        )
    return Window(first, last)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
