"""Run the gateway for the benchmark, optionally with the quota/usage hooks stubbed out.

``--no-hooks`` replaces ``services.proxy.hooks.before_upstream`` / ``finalize`` with no-ops, to
measure the proxy path alone (auth, validation, routing, relay) apart from quota and usage
accounting. Settings come from the environment, exactly as ``llm-gateway serve`` reads them, and
uvicorn runs with the same options (one worker, uvloop, httptools, no uvicorn access log).
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from llm_gateway.app import create_app
from llm_gateway.services.proxy import hooks


async def _no_op(*args: Any, **kwargs: Any) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-hooks", action="store_true")
    args = parser.parse_args()
    if args.no_hooks:
        hooks.before_upstream = _no_op
        hooks.finalize = _no_op
    uvicorn.run(
        create_app(),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
