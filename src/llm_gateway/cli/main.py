"""Entry point of the ``llm-gateway`` console script."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from llm_gateway.cli import db, fake_upstream, serve, users
from llm_gateway.core.config import SettingsError
from llm_gateway.core.exceptions import GatewayError

COMMAND_GROUPS = (serve, db, fake_upstream, users)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llm-gateway", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run the chosen command; errors print one line and exit non-zero."""
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except SettingsError as exc:
        sys.stderr.write(f"llm-gateway: {exc}\n")
        return 2
    except GatewayError as exc:
        sys.stderr.write(f"llm-gateway: {exc.message}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
