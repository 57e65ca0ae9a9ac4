"""Graceful shutdown, first step: on SIGTERM, report not-ready for a while before stopping.

A load balancer (nginx health checks, a Kubernetes Service without a preStop pause) needs a few
seconds to notice an instance is going away. With ``LLMGW_SERVER__SHUTDOWN_DELAY_S`` > 0 the
first SIGTERM or SIGINT marks the process as draining — ``/health/ready`` answers 503 while
requests are still served — and only after the delay hands the signal to uvicorn, which stops
accepting connections and drains the requests in flight (up to its graceful-shutdown timeout).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from llm_gateway.core.logging import get_logger

_log = get_logger("llm_gateway.shutdown")
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(slots=True)
class DrainFlag:
    """Set once the process has been asked to stop; readiness reads it."""

    draining: bool = False


def install(flag: DrainFlag, delay_s: float) -> Callable[[], None]:
    """Take over SIGTERM/SIGINT for ``delay_s``; returns a function restoring the old handlers.

    Call from the lifespan, after the server installed its own handlers (uvicorn does that
    before running the lifespan), so the server's handlers are the ones passed the signal on.
    """
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {sig: signal.getsignal(sig) for sig in _SIGNALS}

    def handle(signum: int, frame: FrameType | None) -> None:
        if flag.draining:  # a second signal: stop now
            _forward(previous[signum], signum, frame)
            return
        flag.draining = True
        _log.warning("draining before shutdown", signal=signum, delay_s=delay_s)
        loop.call_soon_threadsafe(
            loop.call_later, delay_s, _forward, previous[signum], signum, None
        )

    for sig in _SIGNALS:
        signal.signal(sig, handle)

    def restore() -> None:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is handle:
                signal.signal(sig, handler)

    return restore


def _forward(handler: Any, signum: int, frame: FrameType | None) -> None:
    if callable(handler):
        handler(signum, frame)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)
