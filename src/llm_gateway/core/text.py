"""Text the databases can store: PostgreSQL refuses NUL characters and lone UTF-16 surrogates.

``unstorable`` finds such text (the edge refuses it with a 400 naming the field);
``storable`` repairs it where nobody can be blamed for it, e.g. in a usage record.
"""

from __future__ import annotations

from typing import Any

REPLACEMENT = "\ufffd"


def unstorable(value: str) -> bool:
    """True if ``value`` holds a NUL character or a lone surrogate (not valid UTF-8)."""
    if "\x00" in value:
        return True
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def storable(value: str) -> str:
    """``value`` with NUL characters and lone surrogates replaced by U+FFFD."""
    if not unstorable(value):
        return value
    value = value.replace("\x00", REPLACEMENT)
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def find_unstorable(value: Any, path: str = "", depth: int = 0) -> str | None:
    """The dotted path of the first unstorable string in a JSON-like value (keys included).

    Returns ``None`` when every string is storable. ``path`` names the root (``""`` = body).
    """
    if isinstance(value, str):
        return path or "body" if unstorable(value) else None
    if depth > 64:  # nesting deeper than this is refused elsewhere; never recurse unbounded
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and unstorable(key):
                return storable(child)
            found = find_unstorable(item, child, depth + 1)
            if found is not None:
                return storable(found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_unstorable(item, f"{path}[{index}]", depth + 1)
            if found is not None:
                return found
    return None
