"""Readiness: are the database and the store reachable right now?"""

from __future__ import annotations

import asyncio

from llm_gateway.core.database import check_database
from llm_gateway.core.exceptions import GatewayError, ServiceUnavailableError
from llm_gateway.state import AppState

CHECK_TIMEOUT_S = 2.0


async def _check(name: str, coro: object) -> tuple[str, str | None]:
    try:
        await asyncio.wait_for(coro, CHECK_TIMEOUT_S)  # type: ignore[arg-type]
    except TimeoutError:
        return name, f"{name} did not answer within {CHECK_TIMEOUT_S:g}s"
    except GatewayError as exc:
        return name, exc.message
    except Exception as exc:  # any failure means "not ready"; the message names it
        return name, f"{name} check failed: {type(exc).__name__}"
    return name, None


async def readiness(state: AppState, *, detailed: bool = False) -> dict[str, str]:
    """Return ``{check: "ok"}`` or raise ServiceUnavailableError naming each failed check.

    Only ``detailed`` (admin) callers learn why: the reasons name hosts, ports, users and
    database names; everyone else gets the names of the failed checks.
    """
    results = await asyncio.gather(
        _check("database", check_database(state.engine)),
        _check("store", state.store.ping()),
    )
    failures = [(msg if detailed else f"{name} unavailable") for name, msg in results if msg]
    if state.drain.draining:
        failures.insert(0, "shutting down")
    writer_problem = state.usage.problem  # dead writer task, or records waiting unwritten
    if writer_problem is not None:
        failures.append(writer_problem)
    if failures:
        raise ServiceUnavailableError("not ready: " + "; ".join(failures), code="not_ready")
    return {name: "ok" for name, _ in results}
