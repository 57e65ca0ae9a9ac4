"""Run Alembic migrations programmatically (CLI, first start, tests).

Alembic (with Mako and Pygments, ~8 MB resident) is imported when a migration runs, not with
this module: ``llm-gateway serve`` registers the ``db`` commands but upgrades in a child process
(``cli.serve.migrate``), so the serving process never loads it.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from llm_gateway.core.config import DatabaseSettings

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(settings: DatabaseSettings, stdout: io.StringIO | None = None) -> Config:
    """An Alembic config pointing at the repo's ``alembic/`` with the given database URL."""
    from alembic.config import Config

    cfg = Config(stdout=stdout) if stdout is not None else Config()
    cfg.set_main_option("script_location", str(settings.alembic_dir))
    cfg.attributes["database_url"] = settings.url
    return cfg


def upgrade(settings: DatabaseSettings, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: DatabaseSettings, revision: str = "-1") -> None:
    from alembic import command

    command.downgrade(alembic_config(settings), revision)


def current(settings: DatabaseSettings) -> str:
    """The current revision(s) as Alembic prints them."""
    from alembic import command

    buffer = io.StringIO()
    command.current(alembic_config(settings, buffer), verbose=False)
    return buffer.getvalue().strip() or "(none)"
