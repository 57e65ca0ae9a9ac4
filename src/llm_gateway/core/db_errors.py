"""Which database errors mean "the database is unavailable" (answer 503, retry later).

asyncpg errors reach SQLAlchemy as a plain ``DBAPIError`` unless they are integrity, syntax or
interface errors, so "the database system is starting up" (57P03) or "terminating connection
due to administrator command" (57P01) are not ``OperationalError``s: the SQLSTATE class says
what they are. Connection exceptions (08), operator intervention (57: shutdown, startup, crash
recovery) and insufficient resources (53: too many connections) are outages.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

_OUTAGE_TYPES = (
    OSError,
    TimeoutError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # the pool had no connection to give
)
_OUTAGE_SQLSTATE_CLASSES = ("08", "57", "53")


def is_unavailable(error: BaseException) -> bool:
    """True if ``error`` (or what it wraps) says the database cannot be used right now."""
    seen: BaseException | None = error
    for _ in range(8):  # the error, what it wraps, and their causes
        if seen is None:
            return False
        if isinstance(seen, _OUTAGE_TYPES):
            return True
        if isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated:
            return True
        sqlstate = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate[:2] in _OUTAGE_SQLSTATE_CLASSES:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False
