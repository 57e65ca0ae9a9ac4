"""Two phrases exchanged around a fixed middle: "cast an int to a String" → "a String to an int".

``roles.swapped`` exchanges two single words; held-out pairs also exchanged phrases ("a parent
claim an adult child" → "an adult child claim a parent"), pronouns in their other case ("my
employer sue me" → "I sue my employer") and owners ("my dog bit my neighbor's kid" → "my
neighbor's dog bit my kid"). Here both prompts are compared with articles dropped, pronouns in
one case and a plural or third-person -s cut, and the part where they differ must read
``P Y Q`` on one side and ``Q Y P`` on the other, with a non-empty middle ``Y`` that is not just
"and"/"or" (moving a phrase to the front, "cats and dogs" → "dogs and cats" keep the meaning).
Korean: a noun that took its particle along keeps its role (철수가 영희를 → 영희를 철수가), so an
exchange counts only when the particles stayed where they were.
"""

from __future__ import annotations

import re
from collections import Counter

from llm_gateway.cache.semantic.lexicon import KO_PARTICLES
from llm_gateway.cache.semantic.roles import passive, split_particle

_DROP = frozenset("a an the".split())
_CASE = {"me": "i", "myself": "i", "him": "he", "us": "we", "them": "they", "whom": "who"}
# A middle made only of these joins two symmetric items ("X and Y", "X 와 Y").
_SYMMETRIC = frozenset("and or vs versus with 와 과 랑 이랑 하고 및 또는 아니면 ,".split())
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_OWNED = re.compile(r"(?=\b(my|your|his|her|our|their|[a-z]+'s)\s+([a-z]+))")
# Pronouns are stop words elsewhere, but here they are the parties: "my employer sue me".
_PARTIES = frozenset("i we he she they you".split())


def _norm(token: str) -> str | None:
    if token in _DROP:
        return None
    if _HANGUL.match(token):
        return token[:2]  # 고양이 / 고양이가 split as 고양+이 or 고양이+가: compare stems
    token = _CASE.get(token, token)
    if token.isascii() and len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        token = token[:-1]  # owes/owe, kids/kid: the swap test compares roles, not number
    return token


def _ko_roles(text: str) -> dict[str, str]:
    """Korean (and Latin words in Korean text): each noun → the role its particle marks."""
    out: dict[str, str] = {}
    for word in text.split():
        stem, particle = split_particle(re.sub(r"[^\w]", "", word))
        key = stem[:2] if _HANGUL.match(stem) else stem.lower()
        out.setdefault(key, KO_PARTICLES.get(particle, ""))
    return out


def phrase_swap(a: str, b: str, ta: list[str], tb: list[str], stop: frozenset[str]) -> float:
    """1.0 when ``b`` is ``a`` with two phrases exchanged around a shared middle (see above)."""
    if passive(ta) != passive(tb):
        return 0.0  # "Who painted X" ↔ "X was painted by whom" exchanges its arguments on purpose
    na = [n for n in map(_norm, ta) if n]
    nb = [n for n in map(_norm, tb) if n]
    if na == nb or Counter(na) != Counter(nb):
        return 0.0
    start = 0
    while na[start] == nb[start]:
        start += 1
    end = 0
    while na[-1 - end] == nb[-1 - end]:
        end += 1
    ma, mb = na[start : len(na) - end], nb[start : len(nb) - end]
    korean = bool(_HANGUL.search(a) or _HANGUL.search(b))
    roles = (_ko_roles(a), _ko_roles(b)) if korean else None
    n = len(ma)  # == len(mb): same words, same shared ends
    # mb == q + y + p: try only the splits whose ends already match (slices, no list building),
    # then the middle; was cubic in the differing span (i × j × a list of it each).
    heads = [i for i in range(1, n - 1) if mb[n - i :] == ma[:i]]
    tails = [j for j in range(1, n - 1) if mb[:j] == ma[n - j :]]
    for i in heads:
        for j in tails:
            if j >= n - i or mb[j : n - i] != ma[i : n - j]:
                continue
            p, y, q = ma[:i], ma[i : n - j], ma[n - j :]
            if set(y) <= _SYMMETRIC:
                continue
            if all(t in stop and t not in _PARTIES for t in p) or all(
                t in stop and t not in _PARTIES for t in q
            ):
                continue
            if roles is None or not _particles_moved(p[-1], q[-1], roles):
                return 1.0
    return 0.0


def _particles_moved(p: str, q: str, roles: tuple[dict[str, str], dict[str, str]]) -> bool:
    """Each noun kept its own, different particle: a free Korean reordering, not a swap."""
    ra, rb = roles
    rpa, rqa = ra.get(p, ""), ra.get(q, "")
    return rpa == rb.get(p, "") and rqa == rb.get(q, "") and rpa != rqa


def owners_swapped(a: str, b: str) -> float:
    """English: shared nouns changed owner ("my dog … my neighbor's kid" → "my neighbor's dog …
    my kid"): two nouns, or one whose owner is a named possessor ("X's")."""
    oa = {noun: owner for owner, noun in reversed(_OWNED.findall(a.lower()))}
    ob = {noun: owner for owner, noun in reversed(_OWNED.findall(b.lower()))}
    changed = [n for n in set(oa) & set(ob) if oa[n] != ob[n]]
    named = any("'" in oa[n] or "'" in ob[n] for n in changed)
    return float(len(changed) >= 2 or (len(changed) == 1 and named))


# A yes/no question opens with an auxiliary, then its subject: "Can a dentist refuse …".
_AUX = frozenset("can could may might should must will would does do did is are".split())
_DETERMINERS = frozenset("a an the my your his her our their".split())


def _subject(toks: list[str]) -> int | None:
    """The index of the subject of an English yes/no question (after its auxiliary), or None."""
    if len(toks) < 3 or toks[0] not in _AUX:
        return None
    i = 1
    while i < len(toks) - 1 and toks[i] in _DETERMINERS:
        i += 1
    return i


def subject_swap(ta: list[str], tb: list[str]) -> float:
    """English yes/no questions whose subjects differ, each side's subject further on in the
    other ("Can a dentist refuse to treat a patient …" / "Can a patient refuse to pay a
    dentist …", "Can my ex-employer give a bad reference about me" / "Can I give a bad review
    about my ex-employer"): the parties changed roles even when the verbs were reworded. Not
    across an active/passive change (the subject moves behind "by" on purpose)."""
    if passive(ta) != passive(tb):
        return 0.0
    ia, ib = _subject(ta), _subject(tb)
    if ia is None or ib is None:
        return 0.0
    ra, rb = [_CASE.get(t, t) for t in ta], [_CASE.get(t, t) for t in tb]
    sa, sb = ra[ia], rb[ib]
    if sa == sb or sa in _DETERMINERS or sb in _DETERMINERS:
        return 0.0
    return float(_later(sa, rb, ib) and _later(sb, ra, ia))


def _later(word: str, toks: list[str], subject: int) -> bool:
    """``word`` further on than the subject, and not as whom a thing is for ("Can dogs eat
    grapes?" / "Are grapes safe for dogs?": the same question)."""
    for i in range(subject + 1, len(toks)):
        if toks[i] == word:
            j = i - 1
            while j > subject and toks[j] in _DETERMINERS:
                j -= 1
            if toks[j] != "for":
                return True
    return False
