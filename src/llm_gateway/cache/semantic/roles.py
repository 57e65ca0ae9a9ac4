"""Who does what to whom: role swaps versus harmless reorderings (English, Korean).

Moving a whole phrase ("Using only public transport, how do I get …" → "How do I get … using
only public transport?", 감기 걸렸을 때 운동해도 돼? → 운동해도 돼? 감기 걸렸을 때) keeps the
meaning; exchanging two words that play different parts ("convert JSON into YAML" → "YAML into
JSON", 파이썬 코드를 자바로 → 자바 코드를 파이썬으로) does not. A swap is recognised by its
effect: exchanging the two words back makes the sentences (nearly) the same. An active/passive
rewrite ("Who wrote X" ↔ "X was written by whom") exchanges its arguments on purpose, so a swap
across a change of voice is not a role change. In Korean the case particles say the roles: a
noun that moves keeping its particle (영희를 철수가 → 철수가 영희를) keeps its role; one whose
particle changes (철수가 영희를 → 영희가 철수를) does not.
"""

from __future__ import annotations

import difflib
import re

from llm_gateway.cache.semantic.lexicon import KO_PARTICLES

# Dev and training pairs share at most 11 content words; 12 bounds a pair at 66 matches.
_MAX_SHARED = 12
_BE = frozenset("is are was were be been being get gets got".split())
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def split_particle(word: str) -> tuple[str, str]:
    """A Korean word's stem and case particle (no particle → ``(word, "")``)."""
    for particle in KO_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            return word[: -len(particle)], particle
    return word, ""


def passive(toks: list[str]) -> bool:
    """An English passive: a form of *be* followed later by "by" (X was written by Y)."""
    return "by" in toks and any(t in _BE for t in toks[: toks.index("by")])


def stem_roles(text: str) -> dict[str, str]:
    """Korean: each word's first two syllables → the role its particle marks ("" for none)."""
    out: dict[str, str] = {}
    for word in text.split():
        stem, particle = split_particle(re.sub(r"[^\w]", "", word))
        if _HANGUL.match(stem):
            out.setdefault(stem[:2], KO_PARTICLES.get(particle, ""))
        elif stem.isascii() and stem.isalnum():  # CSV로, 엑셀을: Latin names carry roles too
            out.setdefault(stem.lower(), KO_PARTICLES.get(particle, ""))
    return out


def swapped(
    ta: list[str],
    tb: list[str],
    stop: frozenset[str],
    roles: tuple[dict[str, str], dict[str, str]] | None = None,
) -> float:
    """1.0 when exchanging two content words of ``a`` makes it (nearly) ``b``.

    ``roles`` (Korean): the words' particle roles on each side; then the exchange counts only
    if the roles stayed where they were (파이썬 코드를 자바로 → 자바 코드를 파이썬으로), not when
    each word took its particle along (집에서 혼자 → 혼자 집에서)."""
    in_b = set(tb)
    # The first _MAX_SHARED shared words only: each pair of them costs a sequence match.
    shared = [t for t in dict.fromkeys(ta) if t in in_b and t not in stop][:_MAX_SHARED]
    if len(shared) < 2 or passive(ta) != passive(tb):
        return 0.0
    before = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).ratio()
    if before >= 0.999:
        return 0.0
    for i, x in enumerate(shared):
        for y in shared[i + 1 :]:
            if (ta.index(x) < ta.index(y)) == (tb.index(x) < tb.index(y)):
                continue  # the two words kept their order: not exchanged
            exchanged = [y if t == x else x if t == y else t for t in ta]
            after = difflib.SequenceMatcher(a=exchanged, b=tb, autojunk=False).ratio()
            if after >= 0.7 and after - before >= 0.1 and _roles_stayed(x, y, roles):
                return 1.0
    return 0.0


# Prepositions that give their noun a direction or a side (for/with/in are left out: "egg for a
# runny yolk" and "egg with a runny yolk" ask the same).
_EN_MARKERS = frozenset("from to into onto than vs versus".split())


def markers_changed(ta: list[str], tb: list[str], stop: frozenset[str]) -> float:
    """English: a shared word now follows another preposition (from PayPal to my bank → from my
    bank to PayPal); only within two words of the preposition, and not across a voice change."""
    if passive(ta) != passive(tb):
        return 0.0
    ma, mb = _markers(ta, stop), _markers(tb, stop)
    return float(any(ma[w] != mb[w] for w in set(ma) & set(mb)))


def _markers(toks: list[str], stop: frozenset[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, t in enumerate(toks):
        if t in stop or t in _EN_MARKERS or not t.isascii():
            continue
        for back in (1, 2, 3):
            if i - back >= 0 and toks[i - back] in _EN_MARKERS:
                out.setdefault(t, toks[i - back])
                break
            if i - back >= 0 and toks[i - back] not in stop:
                break  # another content word in between: not this preposition's object
    return out


_KO_CLAUSE_END = re.compile(r"(?:고|면|서|니까|는데|다가)$")
_EN_THEN = re.compile(r",? (?:and )?then |, after that |; ")


def events_reordered(a: str, b: str) -> float:
    """Two linked steps in the other order: Korean clauses (밥 먹고 자면 → 자고 … 밥 먹으면),
    English "X, then Y" → "Y, then X"."""
    if a.isascii() and b.isascii():
        ra, rb = _steps(a), _steps(b)
    else:
        ra, rb = _clause_roots(a), _clause_roots(b)
    shared = [r for r in ra if r in rb]
    return float(
        any(rb.index(x) > rb.index(y) for i, x in enumerate(shared) for y in shared[i + 1 :])
    )


def _steps(text: str) -> list[str]:
    """The first word of each step of an English "…, then …" sequence (one step: none)."""
    parts = _EN_THEN.split(text.lower())
    if len(parts) < 2:
        return []
    firsts = [re.findall(r"[a-z]+", p.split(":")[-1])[:1] for p in parts]
    return list(dict.fromkeys(w[0] for w in firsts if w))


def _clause_roots(text: str) -> list[str]:
    words = [re.sub(r"[^\w]", "", w) for w in text.split()]
    return list(dict.fromkeys(w[0] for w in words if _KO_CLAUSE_END.search(w) and _HANGUL.match(w)))


def _roles_stayed(x: str, y: str, roles: tuple[dict[str, str], dict[str, str]] | None) -> bool:
    if roles is None:
        return True
    ra, rb = roles
    rxa, rya, rxb, ryb = ra.get(x, ""), ra.get(y, ""), rb.get(x, ""), rb.get(y, "")
    return rxa != rya and rxa == ryb and rya == rxb


def _roles(text: str) -> dict[str, str]:
    roles: dict[str, str] = {}
    for word in text.split():
        stem, particle = split_particle(re.sub(r"[^\w]", "", word))
        if particle and _HANGUL.search(stem):
            roles[stem] = KO_PARTICLES[particle]
    return roles


def roles_changed(a: str, b: str) -> float:
    """Korean: a noun that carries another case role (철수가 영희를 → 영희가 철수를), except the
    moves a change of voice makes (개가 아이를 물었는데 → 아이가 개에게 물렸는데: the object
    becomes the subject, the subject an agent in 에게/에/에 의해)."""
    ra, rb = _roles(a), _roles(b)
    shared = set(ra) & set(rb)
    changes = {(ra[s], rb[s]) for s in shared if ra[s] != rb[s]}
    if _ko_passive(a) != _ko_passive(b):
        changes -= _VOICE_MOVES
    return float(any({x, y} <= _CORE_ROLES for x, y in changes))


# A Korean passive: 에 의해, -당하다, a noun + 되다 (인정돼, 파손되면), -어지다 (만들어졌어), or a
# verb with the passive syllable (물렸는데, 잡혔어). Compared only between the two sides.
_KO_PASSIVE = re.compile(
    r"의해|당하|당했|당한|당할|당해|\w(?:되|돼|됐|된|될|됩)|[어아여워]지|[어아여워]졌|[어아여워]져"
    r"|[물잡먹쓰팔불열닫밟찍걸안보][리히기이렸혔겼였]"
)
_SUBJECT_SIDE = ("subject", "topic")
_AGENT_SIDE = ("dative", "at", "source")
_VOICE_MOVES = frozenset(
    {("object", s) for s in _SUBJECT_SIDE}
    | {(s, "object") for s in _SUBJECT_SIDE}
    | {(s, g) for s in _SUBJECT_SIDE for g in _AGENT_SIDE}
    | {(g, s) for s in _SUBJECT_SIDE for g in _AGENT_SIDE}
)


def _ko_passive(text: str) -> bool:
    return bool(_KO_PASSIVE.search(text))


# Roles whose exchange changes who does what (of/at/with/topic vary with phrasing: 광개토대왕의
# 업적 ~ 광개토대왕이 한 일).
_CORE_ROLES = frozenset({"subject", "object", "dative", "source", "direction", "goal", "than"})
