"""Structured logging with structlog: JSON outside dev, request id bound through contextvars."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
import structlog

_REDACT_KEYS = frozenset(
    {
        "password",
        "authorization",
        "api_key",
        "secret",
        "token",
        "refresh_token",
        "access_token",
        "x-api-key",
        "key_hash",
        "password_hash",
    }
)


def _redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Drop values of keys that may hold secrets, whatever code logged them."""
    for key in list(event_dict):
        if key.lower() in _REDACT_KEYS:
            event_dict[key] = "***"
    return event_dict


# Database errors quote what they failed on: SQLAlchemy appends the bound parameters (hidden at
# the engine too, ``hide_parameters=True``) and PostgreSQL's DETAIL repeats key values or the
# whole failing row (password hashes, key HMACs, chat text). Both are cut from every log value;
# the message, the constraint and the SQL statement stay.
_DB_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_DB_DETAIL = re.compile(
    r"DETAIL:.*?(?=\n(?:HINT:|\[SQL: |\(Background on this error)|\n\n|\nTraceback |\Z)",
    re.DOTALL,
)


def _scrub_database_errors(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Hide SQL parameters and PostgreSQL DETAIL text in any logged string (tracebacks too)."""
    for key, value in event_dict.items():
        if isinstance(value, str) and ("DETAIL:" in value or "[parameters: " in value):
            value = _DB_PARAMETERS.sub("[parameters hidden]", value)
            event_dict[key] = _DB_DETAIL.sub("DETAIL:  (hidden)", value)
    return event_dict


_SECRET_QUERY = re.compile(r"(?i)\b(token|access_token|api_key|key)=[^&\s\"']+")


class _RedactQuerySecrets(logging.Filter):
    """Mask credentials in query strings of stdlib log lines (uvicorn logs WebSocket paths)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _SECRET_QUERY.sub(r"\1=***", a) if isinstance(a, str) else a for a in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = _SECRET_QUERY.sub(r"\1=***", record.msg)
        return True


# Key in the ASGI scope's ``state`` where handlers leave extra fields for the access-log line
# (error code, model, alias, deployment), so a 4xx/5xx line says why without a second lookup.
ACCESS_LOG_FIELDS = "access_log_fields"


def add_access_log_fields(state: dict[str, Any], **fields: object) -> None:
    """Attach ``fields`` (``None`` values skipped) to this request's access-log line."""
    target = state.setdefault(ACCESS_LOG_FIELDS, {})
    target.update({k: v for k, v in fields.items() if v is not None})


def configure_logging(*, level: str = "INFO", json: bool = False) -> None:
    """Configure structlog and the stdlib root logger once, at startup."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    # Tracebacks become text before rendering, so the scrubber sees them on both paths.
    final: list[Any] = [structlog.processors.format_exc_info, _scrub_database_errors]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, *final, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RedactQuerySecrets())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *final,
                renderer,
            ],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A named structured logger."""
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger


SAFE_KEYS_MAX = 1024  # bound on the per-log cache of key names known not to be secrets


class _Clock:
    """``datetime.now(UTC).isoformat()`` with ``Z``, the seconds part formatted once a second."""

    __slots__ = ("_key", "_prefix")

    def __init__(self) -> None:
        self._key: tuple[int, ...] = ()
        self._prefix = ""

    def now(self) -> str:
        return self.format(datetime.now(UTC))

    def format(self, now: datetime) -> str:
        """``now`` (UTC) as ``isoformat()`` writes it, ``+00:00`` as ``Z``."""
        key = (now.second, now.minute, now.hour, now.day, now.month, now.year)
        if key != self._key:
            self._key = key
            self._prefix = now.isoformat(timespec="seconds").removesuffix("+00:00")
        micro = now.microsecond
        # isoformat() leaves the fraction out when it is zero; so does this.
        return f"{self._prefix}.{micro:06d}Z" if micro else self._prefix + "Z"


class JsonAccessLog:
    """The access log's one JSON line per request, built with orjson instead of structlog's chain.

    The line has the same fields as the structlog JSON renderer's (bound context vars such as the
    request id, ``event``, ``level``, an ISO UTC ``timestamp``), and secret-named keys are masked
    the same way. Lines written during one event-loop iteration go out in one write, so a busy
    worker pays one syscall per iteration rather than per request.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lines: list[bytes] = []
        self._clock = _Clock()
        # Key names already checked against _REDACT_KEYS: code-defined names, so few; bounded
        # all the same, so a caller passing data-derived names cannot grow it without limit.
        self._safe_keys: set[str] = set()

    def info(self, event: str, **fields: Any) -> None:
        """Queue one line (written at the end of the current loop iteration)."""
        fields.update(structlog.contextvars.get_contextvars())
        fields["event"] = event
        fields["level"] = "info"
        fields["timestamp"] = self._clock.now()
        self.redact(fields)
        lines = self._lines
        if not lines:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop: write at once
                lines.append(orjson.dumps(fields, default=str) + b"\n")
                self.flush()
                return
        lines.append(orjson.dumps(fields, default=str) + b"\n")

    def redact(self, fields: dict[str, Any]) -> None:
        """``_redact`` for the access line: each key name is lower-cased and checked only once."""
        safe = self._safe_keys
        for key in fields:
            if key not in safe:
                if key.lower() in _REDACT_KEYS:
                    fields[key] = "***"
                elif len(safe) < SAFE_KEYS_MAX:
                    safe.add(key)

    def flush(self) -> None:
        if not self._lines:
            return
        data, self._lines = b"".join(self._lines), []
        stream = self._stream or sys.stderr  # read late: tests and servers may swap stderr
        stream.write(data.decode())
        stream.flush()
