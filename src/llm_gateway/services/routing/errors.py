"""How the router classifies and wraps failures that adapters did not map themselves."""

from __future__ import annotations

from llm_gateway.core.exceptions import GatewayError
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
