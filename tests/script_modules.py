"""The repo's ``scripts/`` as importable modules, for the tests of those scripts.

``scripts/`` is no package: a test imports a script by putting the folder on ``sys.path`` for
as long as it needs it, then taking it off again (a module once imported stays in
``sys.modules``). A fixture of one script::

    @pytest.fixture(scope="module")
    def recal() -> Iterator[ModuleType]:
        yield from import_script("cache_recalibrate")

and of several, or an import inside a test::

    with scripts_on_path():
        import harm_gate
        import harm_lowo
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@contextmanager
def scripts_on_path() -> Iterator[None]:
    """``scripts/`` first on ``sys.path`` inside the block, off it again after."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        yield
    finally:
        sys.path.remove(str(SCRIPTS))


def import_script(name: str) -> Iterator[ModuleType]:
    """Yield the script module ``name`` with ``scripts/`` on the path until this generator is
    closed: a fixture's body is ``yield from import_script(name)``, so the path stays for the
    fixture's scope."""
    with scripts_on_path():
        yield importlib.import_module(name)
