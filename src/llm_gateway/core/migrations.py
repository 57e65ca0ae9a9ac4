"""Run Alembic migrations programmatically (CLI, first start, tests)."""

from __future__ import annotations

import io

from alembic import command
from alembic.config import Config

from llm_gateway.core.config import DatabaseSettings


def alembic_config(settings: DatabaseSettings, stdout: io.StringIO | None = None) -> Config:
    """An Alembic config pointing at the repo's ``alembic/`` with the given database URL."""
    cfg = Config(stdout=stdout) if stdout is not None else Config()
    cfg.set_main_option("script_location", str(settings.alembic_dir))
    cfg.attributes["database_url"] = settings.url
    return cfg


def upgrade(settings: DatabaseSettings, revision: str = "heads") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: DatabaseSettings, revision: str = "-1") -> None:
    command.downgrade(alembic_config(settings), revision)


def current(settings: DatabaseSettings) -> str:
    """The current revision(s) as Alembic prints them."""
    buffer = io.StringIO()
    command.current(alembic_config(settings, buffer), verbose=False)
    return buffer.getvalue().strip() or "(none)"
