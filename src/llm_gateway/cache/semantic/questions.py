"""What a prompt asks for: the kind of its question, with the usual rewordings folded together.

"How do I …", "What's the best way to …", "Steps for …", "… 하는 법", "어떻게 해야" all ask *how*;
"Why …", "What causes …", "What's the reason …", "… 이유가 뭐야", "원인" ask *why*; "How many",
"What's the number of", "얼마", "몇", "어느 정도" ask a *quantity*; "What year", "언제" *when*; "the
difference between", "vs", "차이" *compare*. The verifier vetoes a pair only when both sides ask
and their *strong* kinds differ (who, when, where, why, quantity, compare, yes/no): what vs how
is left to the trees, since "How do vaccines work?" and "What is the mechanism of vaccines?"
ask the same thing while "What is a mortgage?" and "How do I get a mortgage?" do not.
"""

from __future__ import annotations

import re

from llm_gateway.cache.semantic.lexicon import EN_QUESTION, KO_QUESTION

STRONG = frozenset(
    {"who", "when", "where", "why", "quantity", "duration", "age", "compare", "yes/no"}
    | {"definition", "proscons"}
)
# "What is a mortgage?", "반도체가 뭐야?": asks what a short thing is (not how to get it).
_EN_DEFINITION = re.compile(r"^what(?:'s| is| are) (?:a |an |the )?(?:[\w-]+ ?){1,3}\??$")
_CLAUSE = re.compile(r"[,.:;?!]|\s[-–—]\s")
_KO_DEFINITION = re.compile(
    r"^\S+(?: \S+)?(?:이|가|은|는)? ?(?:뭐야|뭐예요|뭔가요|무엇인가요|뭐지|란)\??$"
)

# (pattern on the lower-cased text, kind it asks): checked before the single question words.
_EN_PHRASES = (
    (r"\b(differences?|differ|different|vs\.?|versus|compared? to)\b", "compare"),
    (r"\b(compare|comparison|which is better|better than)\b", "compare"),
    (r"\b(pros and cons|advantages and disadvantages|benefits and drawbacks)\b", "proscons"),
    (r"^(?:please )?(?:list|name|enumerate)\b|\bgive me a list\b", "what"),
    (r"\bwhat(?:'s| is| are)? the (?:main )?(?:reasons?|causes?|purpose)\b", "why"),
    (r"\bwhat (?:causes|caused|makes|made|leads to|led to)\b|\bhow come\b", "why"),
    # "… what's causing that?", "What could be the cause of …", "What might cause …" (session 19)
    (
        r"\bwhat(?:'s| is| are|'s been| has been| could be| might be| would be| can be)? "
        r"causing\b",
        "why",
    ),
    (r"\bwhat (?:could|might|would|can) (?:be (?:the )?causes?|be the reason|cause)\b", "why"),
    (r"\breasons? (?:for|why)\b", "why"),
    (
        r"\bwhat(?:'s| is| are)? (?:the |a |some )?(?:best |easiest |fastest |quickest |right |"
        r"proper |simplest |good |correct |recommended |courteous |polite )?"
        r"(?:ways?|methods?|steps?|process|procedure|approach)\b",
        "how",
    ),
    (r"\b(?:steps|instructions|tips|guide) (?:to|for|on)\b|\bis there a way\b", "how"),
    (r"\bwhat(?:'s| is)? the (?:number|amount|price|cost|count) of\b", "quantity"),
    (r"\bhow (?:long|often)\b", "duration"),
    (r"\bhow old\b", "age"),
    (r"\bhow (?:much|many|far|big|fast|tall|heavy)\b", "quantity"),
    (r"\b(?:what|which) (?:year|date|time|day|month|century)\b", "when"),
    (r"\b(?:which|what) (?:author|person|writer|painter|inventor)\b", "who"),
    (r"\bwhere (?:does|did|do) .*\bcome from\b|\borigins?\b|\bhistory of\b", "why"),
)
_EN_AUXILIARIES = frozenset(
    "is are was were am do does did should shall can could will would has have may might".split()
)
# After *when*, these ask too: "When to plant …", "When must I …".
_WHEN_ASKS = frozenset("to must need ought".split())
_KO_PHRASES = (
    ("차이", "compare"),
    ("비교", "compare"),
    ("중에 뭐", "compare"),
    ("중 뭐", "compare"),
    ("뭐가 나아", "compare"),
    ("뭐가 더", "compare"),
    ("어느 게 나아", "compare"),
    ("어느 쪽", "compare"),
    ("장단점", "proscons"),
    ("장점과 단점", "proscons"),
    ("좋은 점과 나쁜 점", "proscons"),
    ("다른가", "compare"),
    ("달라", "compare"),
    ("이유", "why"),
    ("원인", "why"),
    ("방법", "how"),
    ("하는 법", "how"),
    ("는 법", "how"),
    ("하려면", "how"),
    ("어느 정도", "quantity"),
    ("주기", "quantity"),
    ("몇", "quantity"),
    ("얼마", "quantity"),
)
# "What year / month / hour", "from what age" in Korean: 몇 (how many) asking *when* (not 몇
# 시간, 몇 년 걸려: how long).
_KO_WHEN = re.compile(
    r"몇 ?(?:년|월|시)(?:에|쯤|도)|몇 ?(?:개월|살|년|시|학년) ?부터"
    r"|몇 ?시(?:야|예요|에요|인가요|지)"
)
# A Korean question without a question word ends in a predicate, not a bare topic (온도는?).
_KO_YES_NO_END = re.compile(r"[^은는이가을를\s]\?$")


def fold_when(text: str) -> str:
    """몇 년에 / 몇 월 / 몇 개월부터 written as 언제 (they ask when, not how many)."""
    return _KO_WHEN.sub("언제", text) if "몇" in text else text


def question_kinds(text: str, toks: list[str]) -> set[str]:
    """The kinds of question ``text`` asks (empty: not a question, or a request)."""
    lower = text.lower()
    found: set[str] = set()
    for pattern, kind in _EN_PHRASES:
        if re.search(pattern, lower):
            found.add(kind)
    for tok in _clause_openers(lower):
        word_kind = EN_QUESTION.get(tok.split("'")[0])
        if word_kind and not (word_kind in ("what", "how", "who", "when") and found):
            found.add(word_kind)
    text = fold_when(text)
    for marker, kind in _KO_PHRASES:
        if marker in text:
            found.add(kind)
    if not found or found <= {"how"}:
        found.update(kind for marker, kind in KO_QUESTION if marker in text)
    if found <= {"what"} and (
        _EN_DEFINITION.match(lower.strip()) or _KO_DEFINITION.match(text.strip())
    ):
        found.add("definition")
    if found & {"why", "compare", "quantity", "duration", "age", "proscons"}:
        found -= {"what", "how"}  # "이유가 뭐야" asks why; "how many" asks a number
    if not found and toks and toks[0] in _EN_AUXILIARIES and toks[1:2] != ["you"]:
        found.add("yes/no")  # "Should I use a VPN?" asks something else than "How does it work?"
    elif not found and not text.isascii() and _KO_YES_NO_END.search(text.rstrip()):
        found.add("yes/no")  # 막걸리 칼로리 높아도 돼? (no question word)
    return found


def _clause_openers(lower: str) -> list[str]:
    """The first two words of each clause: where an English question word asks (not "… when
    baking bread", "… who likes dinosaurs"). A clause that opens with a subordinate *when*
    ("When traveling abroad, how should I …", "When I'm abroad, …") sets the scene for the
    clause after it and asks nothing; a *when* followed by an auxiliary, a modal, "to" or a
    negation ("When is …", "When to plant …", "When shouldn't …"), or in the last clause ("When
    exactly is the deadline?"), asks when."""
    clauses = [c for c in _CLAUSE.split(lower) if c.strip()]
    out: list[str] = []
    for i, clause in enumerate(clauses):
        words = re.findall(r"[a-z]+(?:'[a-z]+)?", clause)[:2]
        if _sets_the_scene(words) and i < len(clauses) - 1:
            continue
        out += words
    return out


def _sets_the_scene(words: list[str]) -> bool:
    """A clause's first two words open a subordinate *when* (see ``_clause_openers``)."""
    if words[:1] != ["when"] or len(words) < 2:
        return False
    second = words[1]
    asks = second in _EN_AUXILIARIES or second in _WHEN_ASKS or second.endswith("n't")
    return not asks


def _strong(q: set[str], other: set[str]) -> set[str]:
    """``q``'s strong kinds; a definition question is an open *what* to a plain *what*."""
    strong = q & STRONG
    if "definition" in strong and "definition" not in other and "what" in other:
        strong.discard("definition")
    return strong


def questions_differ(qa: set[str], qb: set[str]) -> float:
    """Both ask, for strongly different things (why vs when); one side asking alone is not."""
    return float(bool(qa) and bool(qb) and _strong(qa, qb) != _strong(qb, qa))


def soft_differ(qa: set[str], qb: set[str]) -> float:
    """Both ask, the strong kinds agree, the open kinds do not (what vs how)."""
    return float(bool(qa) and bool(qb) and qa != qb)


def both_ask(qa: set[str], qb: set[str]) -> float:
    """Both sides are questions of the same kind."""
    return float(bool(qa) and qa == qb)
