"""Demo mode: the lifespan serves the fake upstream in-process for the ``demo`` aliases."""

from __future__ import annotations

import errno

from llm_gateway.core.config import ProviderSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.fake_upstream.server import FakeUpstream

_log = get_logger("llm_gateway.fake_upstream")


async def start_demo_upstream(settings: ProviderSettings) -> FakeUpstream | None:
    """Start the fake upstream on the demo host/port, or return None when it is already bound.

    With several workers only the first binds the port; the others use that one (same machine).
    Request recording is off: a long-running demo must not accumulate memory.
    """
    server = FakeUpstream(
        settings.demo_upstream_host, settings.demo_upstream_port, record_requests=False
    )
    try:
        await server.start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        _log.info(
            "demo upstream already running; using it",
            address=f"{settings.demo_upstream_host}:{settings.demo_upstream_port}",
        )
        return None
    _log.info("demo upstream started", base_url=server.base_url)
    return server
