"""``llm-gateway db upgrade|downgrade|current``: schema migrations."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from llm_gateway.core import migrations
from llm_gateway.core.config import load_settings, mask_url


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("db", help="database migrations")
    db_sub = parser.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="upgrade the schema (default: heads)")
    up.add_argument("revision", nargs="?", default="heads")
    up.set_defaults(handler=_upgrade)
    down = db_sub.add_parser("downgrade", help="downgrade the schema (default: one step)")
    down.add_argument("revision", nargs="?", default="-1")
    down.set_defaults(handler=_downgrade)
    cur = db_sub.add_parser("current", help="show the current revision")
    cur.set_defaults(handler=_current)


def _upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    migrations.upgrade(settings.database, args.revision)
    sys.stdout.write(f"upgraded {mask_url(settings.database.url)} to {args.revision}\n")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    migrations.downgrade(settings.database, args.revision)
    sys.stdout.write(f"downgraded {mask_url(settings.database.url)} to {args.revision}\n")
    return 0


def _current(args: argparse.Namespace) -> int:
    sys.stdout.write(migrations.current(load_settings().database) + "\n")
    return 0
