"""The current_time tool: the date and time now in an IANA timezone (offline, via tzdata)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from llm_gateway.tools.base import Tool, ToolError, ToolErrorCode, ToolResult

# Abbreviations models and users often write instead of IANA names; only unambiguous ones.
_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "UTC": "UTC",
        "GMT": "Etc/GMT",
        "Z": "UTC",
        "KST": "Asia/Seoul",
        "JST": "Asia/Tokyo",
        "CET": "Europe/Paris",
        "PST": "America/Los_Angeles",
        "PDT": "America/Los_Angeles",
        "EST": "America/New_York",
        "EDT": "America/New_York",
    }
)


def resolve_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name (or a common abbreviation such as ``KST``).

    Raises:
        ToolError: ``invalid_input`` when the name is not a known zone.
    """
    key = _ABBREVIATIONS.get(name.strip().upper(), name.strip())
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(
            ToolErrorCode.INVALID_INPUT,
            f"unknown timezone {name!r}; use an IANA name such as 'Asia/Seoul' or 'Europe/Berlin'",
        ) from None


class CurrentTime(Tool):
    """Reports the current date, time, weekday and UTC offset."""

    name: ClassVar[str] = "current_time"
    description: ClassVar[str] = (
        "Get the current date, time and weekday, optionally in a given IANA timezone "
        "(e.g. 'Asia/Seoul', 'America/New_York'). Use for questions about today's date, "
        "the time now, or the day of the week."
    )
    parameters: ClassVar[Mapping[str, Any]] = MappingProxyType(
        {
            "type": "object",
            "properties": {
                "timezone": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "description": "IANA timezone name; the server default when omitted.",
                }
            },
            "additionalProperties": False,
        }
    )

    def __init__(
        self,
        *,
        timeout_s: float,
        max_output_chars: int,
        default_timezone: str = "UTC",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(timeout_s=timeout_s, max_output_chars=max_output_chars)
        self._default = default_timezone
        self._clock = clock or (lambda: datetime.now(UTC))  # injectable for tests

    async def run(self, args: dict[str, Any]) -> ToolResult:
        zone = resolve_timezone(str(args.get("timezone") or self._default))
        now = self._clock().astimezone(zone)
        offset = now.strftime("%z")
        offset = f"{offset[:3]}:{offset[3:]}" if offset else "+00:00"
        weekday = now.strftime("%A")
        text = (
            f"{now.isoformat(timespec='seconds')} ({weekday}), timezone {zone.key} "
            f"({now.tzname()}, UTC{offset})"
        )
        return ToolResult.success(
            text,
            data={
                "iso": now.isoformat(timespec="seconds"),
                "date": now.date().isoformat(),
                "time": now.strftime("%H:%M:%S"),
                "weekday": weekday,
                "timezone": zone.key,
                "utc_offset": offset,
                "unix": int(now.timestamp()),
            },
        )
