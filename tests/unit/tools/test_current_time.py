"""current_time: the right local time, weekday and offset for IANA zones, offline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from llm_gateway.tools import ToolErrorCode, ToolRegistry
from llm_gateway.tools.current_time import CurrentTime

# A summer instant: New York is on daylight time (UTC-4), Seoul has no DST (UTC+9).
FIXED = datetime(2025, 7, 4, 23, 30, 15, tzinfo=UTC)


def make_tool(default: str = "UTC") -> CurrentTime:
    return CurrentTime(
        timeout_s=1, max_output_chars=1000, default_timezone=default, clock=lambda: FIXED
    )


@pytest.mark.parametrize(
    ("zone", "iso", "weekday", "offset", "key"),
    [
        ("Asia/Seoul", "2025-07-05T08:30:15+09:00", "Saturday", "+09:00", "Asia/Seoul"),
        ("KST", "2025-07-05T08:30:15+09:00", "Saturday", "+09:00", "Asia/Seoul"),
        ("America/New_York", "2025-07-04T19:30:15-04:00", "Friday", "-04:00", "America/New_York"),
        ("Asia/Kolkata", "2025-07-05T05:00:15+05:30", "Saturday", "+05:30", "Asia/Kolkata"),
        ("utc", "2025-07-04T23:30:15+00:00", "Friday", "+00:00", "UTC"),
    ],
)
async def test_time_in_zone(zone: str, iso: str, weekday: str, offset: str, key: str) -> None:
    result = await make_tool().run({"timezone": zone})
    assert result.ok
    assert result.data is not None
    assert result.data["iso"] == iso
    assert result.data["weekday"] == weekday
    assert result.data["utc_offset"] == offset
    assert result.data["timezone"] == key
    assert result.output.startswith(f"{iso} ({weekday}), timezone {key}")


async def test_default_zone_comes_from_settings() -> None:
    result = await make_tool(default="Europe/Berlin").run({})
    assert result.data is not None
    assert result.data["iso"] == "2025-07-05T01:30:15+02:00"
    assert result.data["date"] == "2025-07-05"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "Asia/"])
async def test_unknown_zone_is_a_clear_error(zone: str) -> None:
    registry = ToolRegistry([make_tool()])
    result = await registry.execute("current_time", {"timezone": zone})
    assert result.error_code == ToolErrorCode.INVALID_INPUT
    assert "IANA name" in result.output


async def test_real_clock_is_used_by_default() -> None:
    tool = CurrentTime(timeout_s=1, max_output_chars=1000)
    result = await tool.run({"timezone": "UTC"})
    assert result.data is not None
    assert abs(result.data["unix"] - datetime.now(UTC).timestamp()) < 60
