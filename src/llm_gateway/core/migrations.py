"""Run Alembic migrations programmatically (CLI, first start, tests).

Alembic (with Mako and Pygments, ~8 MB resident) is imported when a migration runs, not with
this module: ``llm-gateway serve`` registers the ``db`` commands but upgrades in a child process
(``cli.serve.migrate``), so the serving process never loads it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from llm_gateway.core.config import DatabaseSettings
from llm_gateway.core.exceptions import ServerError

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(settings: DatabaseSettings, stdout: io.StringIO | None = None) -> Config:
    """An Alembic config pointing at the repo's ``alembic/`` with the given database URL."""
    from alembic.config import Config

    cfg = Config(stdout=stdout) if stdout is not None else Config()
    cfg.set_main_option("script_location", str(settings.alembic_dir))
    cfg.attributes["database_url"] = settings.url
    return cfg


class MigrationError(ServerError):
    """A migration could not run; the message names the step and the database's answer."""

    code = "migration_failed"


@contextmanager
def _one_line_errors(step: str) -> Iterator[None]:
    """Alembic's and the database's errors as one ``MigrationError`` line (the CLI prints it)."""
    from alembic.util import CommandError

    try:
        yield
    except (CommandError, SQLAlchemyError, OSError) as exc:
        # SQLAlchemy appends the statement and a help link on further lines: the first says it.
        reason = (str(exc).strip().splitlines() or [""])[0]
        raise MigrationError(f"{step} failed: {type(exc).__name__}: {reason}") from exc


def upgrade(settings: DatabaseSettings, revision: str = "heads") -> None:
    """Upgrade the schema to ``revision`` (``MigrationError`` if a step fails)."""
    from alembic import command

    with _one_line_errors(f"db upgrade to {revision}"):
        command.upgrade(alembic_config(settings), revision)


def downgrade(settings: DatabaseSettings, revision: str = "-1") -> None:
    """Downgrade the schema to ``revision`` (``MigrationError`` if a step fails)."""
    from alembic import command

    with _one_line_errors(f"db downgrade to {revision}"):
        command.downgrade(alembic_config(settings), revision)


def current(settings: DatabaseSettings) -> str:
    """The current revision(s) as Alembic prints them."""
    from alembic import command

    buffer = io.StringIO()
    command.current(alembic_config(settings, buffer), verbose=False)
    return buffer.getvalue().strip() or "(none)"
