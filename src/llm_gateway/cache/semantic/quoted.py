"""Quoted text: two prompts that quote different text ask about different text.

"Translate 'Where is the train station?' into Spanish" and "Translate '¿Dónde está la estación
de tren?' into English" embed alike and share their frame, yet one asks for Spanish and the
other for English: the quoted text's language says which way the translation goes. So when both
prompts quote something and the quotes are in different scripts (Hangul, kana/CJK, Latin with
accents, plain Latin), or neither prompt's quote appears anywhere in the other ('good morning'
/ 'bonjour'), the pair is not served. A quote one side leaves unquoted ('cactus' / cactus) is
the same text.
"""

from __future__ import annotations

import re

_QUOTE = re.compile(r"'([^']{2,}?)'(?![a-z])|\"([^\"]{2,}?)\"|‘([^’]+)’|“([^”]+)”|「([^」]+)」")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_ACCENTED = re.compile(r"[¿¡ñáéíóúàèçâêôûäöüß]")
_NOT_WORD = re.compile(r"[^\w]+")


def _quotes(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _QUOTE.finditer(f" {text} ")]


def _script(quote: str) -> str:
    if _HANGUL.search(quote):
        return "hangul"
    if _CJK.search(quote):
        return "cjk"
    return "accented" if _ACCENTED.search(quote.lower()) else "latin"


def _squash(text: str) -> str:
    return _NOT_WORD.sub("", text.lower())


def quoted_differs(a: str, b: str) -> float:
    """1.0 when both prompts quote text and the quotes differ in script, or neither prompt's
    quote occurs (ignoring case, spaces, punctuation) anywhere in the other prompt."""
    if "'" not in a + b and '"' not in a + b and not re.search("[‘“「]", a + b):
        return 0.0
    qa, qb = _quotes(a), _quotes(b)
    if not qa or not qb:
        return 0.0
    if {_script(q) for q in qa} != {_script(q) for q in qb}:
        return 1.0
    whole_a, whole_b = _squash(a), _squash(b)
    a_in_b = any(_squash(q) in whole_b for q in qa)
    b_in_a = any(_squash(q) in whole_a for q in qb)
    return float(not a_in_b and not b_in_a)
