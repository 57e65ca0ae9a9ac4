"""Refuse, at the edge, text the database cannot store (NUL, lone surrogates) and deep JSON.

One app-wide FastAPI dependency covers every management endpoint at once: query and path
parameters, and JSON bodies. PostgreSQL refuses ``\\u0000`` in text and lone UTF-16
surrogates cannot be encoded as UTF-8; either used to surface as a 500 from deep inside a
service. The caller gets a 400 naming the field instead. The raw body is scanned first (one C
search), so a body is re-parsed only when it holds a ``\\u`` escape that could decode to one.
JSON bodies nested deeper than ``MAX_JSON_DEPTH`` are refused here too. The proxy's raw ASGI
endpoints check their own ``model`` (the only text they store) and depth when they parse.
"""

from __future__ import annotations

import json
import re

from starlette.requests import HTTPConnection, Request

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.core.json_depth import MAX_JSON_DEPTH, depth_exceeds, may_exceed_depth
from llm_gateway.core.text import find_unstorable, unstorable

# A JSON escape that may decode to NUL or to a surrogate (U+D800..U+DFFF); pairs are rechecked.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def refuse(field: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"'{field}' contains characters that cannot be stored (NUL or invalid Unicode).",
        code="invalid_text",
        param=field,
    )


def too_deep() -> InvalidRequestError:
    return InvalidRequestError(
        f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.", code="json_too_deep"
    )


async def refuse_unstorable_text(connection: HTTPConnection) -> None:
    """400 ``invalid_text`` naming the first parameter or body field holding unstorable text."""
    for name, value in connection.query_params.multi_items():
        if unstorable(name) or unstorable(value):
            raise refuse(name if not unstorable(name) else "query")
    for name, value in connection.path_params.items():
        if isinstance(value, str) and unstorable(value):
            raise refuse(name)
    if not isinstance(connection, Request) or connection.method not in _BODY_METHODS:
        return
    if "json" not in connection.headers.get("content-type", ""):
        return
    raw = await connection.body()  # cached: the endpoint's own parsing reads it again for free
    deep = may_exceed_depth(raw)
    if not deep and b"\x00" not in raw and _SUSPECT_ESCAPE.search(raw) is None:
        return
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        if deep:
            raise too_deep() from None
        return  # malformed JSON: the endpoint's own parsing answers it
    if deep and depth_exceeds(body):
        raise too_deep()
    field = find_unstorable(body)
    if field is not None:
        raise refuse(field)
