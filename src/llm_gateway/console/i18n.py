"""Korean and English UI text: ``i18n/<lang>.json``; the language from ?lang, cookie or header."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from starlette.requests import HTTPConnection

from llm_gateway.console import cookies

LANGUAGES = ("en", "ko")
DEFAULT = "en"
_DIR = Path(__file__).parent / "i18n"

Translate = Callable[..., str]


@cache
def catalog(lang: str) -> dict[str, str]:
    """The catalog of ``lang`` (read once per process)."""
    text = (_DIR / f"{lang}.json").read_text(encoding="utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


def from_accept_language(header: str) -> str | None:
    """The first supported language in an ``Accept-Language`` header, by quality."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else None


def choose(connection: HTTPConnection) -> tuple[str, bool]:
    """The page language and whether it was just picked (``?lang=``: remember it in a cookie)."""
    asked = connection.query_params.get("lang")
    if asked in LANGUAGES:
        return asked, True
    remembered = connection.cookies.get(cookies.LANG)
    if remembered in LANGUAGES:
        return remembered, False
    header = from_accept_language(connection.headers.get("accept-language", ""))
    return header or DEFAULT, False


def translator(lang: str) -> Translate:
    """``t(key, **values)``: the text in ``lang``, else English, else the key itself."""
    own, fallback = catalog(lang), catalog(DEFAULT)

    def t(key: str, **values: object) -> str:
        text = own.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return t
