"""The errors the router raises: wrapped adapter failures, and the 503 or 429 when it gives up."""

from __future__ import annotations

from collections.abc import Mapping

from llm_gateway.core.exceptions import GatewayError, RateLimitError, ServiceUnavailableError
from llm_gateway.core.logging import get_logger
from llm_gateway.providers.base import Deployment, UpstreamCallError

_log = get_logger("llm_gateway.routing")


def unexpected_error(exc: Exception, deployment: Deployment) -> UpstreamCallError:
    """An adapter failed in a way it did not map: most likely an upstream answer of a new shape."""
    _log.exception("adapter error", deployment=deployment.id, error=type(exc).__name__)
    return UpstreamCallError(
        f"Unexpected response from deployment '{deployment.id}' ({type(exc).__name__})",
        retryable=False,
        code="bad_upstream_response",
        status_code=502,
    )


def timeout_error(deployment: Deployment) -> UpstreamCallError:
    """A stray ``TimeoutError`` (adapters map their own) as the retryable 504 it means."""
    return UpstreamCallError(
        f"Timed out waiting for deployment '{deployment.id}'",
        retryable=True,
        code="upstream_timeout",
        status_code=504,
    )


def counts_against_health(exc: GatewayError) -> bool:
    """Failures that say something about the deployment (not about the caller's request)."""
    return isinstance(exc, UpstreamCallError) and (exc.retryable or exc.status_code >= 500)


def _seconds(waits: list[float]) -> str:
    return str(max(1, int(min(waits) + 0.999)))


def capacity_error(
    alias: str, full: Mapping[str, float], cooling: Mapping[str, float]
) -> RateLimitError:
    """429 ``deployment_capacity``: every candidate deployment is at its per-minute cap.

    ``Retry-After`` is when the first of them frees (a window ends or a cooldown is over).
    """
    parts = ", ".join(f"{d} ({left:.0f}s left)" for d, left in full.items())
    message = f"All deployments for model '{alias}' are at their rate limit: {parts}"
    if cooling:
        message += "; cooling down " + ", ".join(cooling)
    return RateLimitError(
        message, code="deployment_capacity", retry_after_s=min([*full.values(), *cooling.values()])
    )


def exhausted_error(
    alias: str,
    tried: Mapping[str, str],
    cooling: Mapping[str, float],
    full: Mapping[str, float],
    last_error: GatewayError | None,
) -> ServiceUnavailableError:
    """503 naming every deployment tried, and those skipped while cooling down or full."""
    parts: list[str] = []
    if tried:
        parts.append("tried " + ", ".join(f"{d} ({why})" for d, why in tried.items()))
    if cooling:
        parts.append(
            "cooling down " + ", ".join(f"{d} ({left:.0f}s left)" for d, left in cooling.items())
        )
    if full:
        parts.append(
            "at capacity " + ", ".join(f"{d} ({left:.0f}s left)" for d, left in full.items())
        )
    message = f"All deployments for model '{alias}' failed: " + "; ".join(parts or ["none"])
    headers: dict[str, str] = {}
    waits = [*cooling.values(), *full.values()]
    if isinstance(last_error, UpstreamCallError) and last_error.retry_after_s is not None:
        waits.append(last_error.retry_after_s)
    if waits:
        headers["Retry-After"] = _seconds(waits)
    code = "all_deployments_failed" if tried else "no_healthy_deployment"
    return ServiceUnavailableError(message, code=code, headers=headers)
