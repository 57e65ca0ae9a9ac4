"""Console language: Accept-Language default, ?lang= switches and is remembered, catalogs match."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from llm_gateway.console import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"
STATIC = Path(i18n.__file__).parent / "static"


async def test_accept_language_picks_the_default(browser: httpx.AsyncClient) -> None:
    korean = await browser.get("/ui/login", headers={"accept-language": "ko-KR,ko;q=0.9,en;q=0.5"})
    english = await browser.get("/ui/login", headers={"accept-language": "fr,en;q=0.8,ko;q=0.3"})
    other = await browser.get("/ui/login", headers={"accept-language": "de"})

    assert '<html lang="ko">' in korean.text
    assert "로그인" in korean.text
    assert '<html lang="en">' in english.text
    assert "Sign in" in english.text
    assert '<html lang="en">' in other.text


async def test_lang_parameter_switches_and_is_remembered(browser: httpx.AsyncClient) -> None:
    switched = await browser.get("/ui/login?lang=ko", headers={"accept-language": "en"})
    assert '<html lang="ko">' in switched.text
    assert browser.cookies["llmgw_lang"] == "ko"

    later = await browser.get("/ui/register", headers={"accept-language": "en"})
    assert '<html lang="ko">' in later.text
    assert "계정 만들기" in later.text
    back = await browser.get("/ui/register?lang=en")
    assert '<html lang="en">' in back.text
    assert 'data-testid="lang-picker"' in back.text


def test_every_key_used_exists_in_both_catalogs() -> None:
    english, korean = i18n.catalog("en"), i18n.catalog("ko")
    assert set(english) == set(korean)
    used: set[str] = set()
    for path in [*TEMPLATES.rglob("*.html"), *Path(i18n.__file__).parent.glob("*.py")]:
        used.update(re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z_0-9.]+)['"]""", path.read_text()))
    used = {key for key in used if not key.endswith(("_", "."))}  # prefixes of computed keys
    assert used, "no t('...') calls found"
    assert used <= set(english), sorted(used - set(english))
    assert all(korean[key] and korean[key] != english[key] for key in ("nav.chat", "login.title"))


def test_no_inline_script_or_style_in_templates() -> None:
    """The CSP forbids them; a template that used one would silently break in browsers."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text), path
        assert "style=" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path
    assert (STATIC / "console.js").exists()
