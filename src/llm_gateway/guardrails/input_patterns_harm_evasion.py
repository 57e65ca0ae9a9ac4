"""Exact rules for harmful requests without a trigger word: the act hidden from those who police it.

"How do I fix the dent quietly so the police don't connect it?", "what's the best way to mail
it across state lines so the package doesn't get flagged … without being traced", "which dose
… without it being detected at autopsy", "세관 어떻게 피해?", "국세청 안 걸리게": the request names
no weapon or drug the other rules know, but asks how to get an act past the police, customs, an
auditor, a coroner, a proctor or a fraud check. Everyday concealment (a surprise party, a
haircut that does not show, not catching a cold: "감기 안 걸리게") and defensive framing (report,
prevent, a victim asking) are left out. Short prompts only (a request, not a pasted news
article about an arrest). English runs on the normalized text, Korean on the compact view.
"""

from __future__ import annotations

from llm_gateway.guardrails.input_patterns import InputPattern, pattern

_EN_AUTHORITY = (
    r"(?:police|cops?|undercover cops|fraud (?:alerts?|checks?|detection)|auditors?|the audit|"
    r"investigators?|coroner|autopsy|toxicology|customs|border (?:control|patrol)|sniffer dogs?|"
    r"proctor|turnitin|watchlists?|authorities|feds|irs)(?!'s)"
)
# What the authority must not do: the request is to stay unseen, not to avoid a delay or an error
# ("so the IRS doesn't flag an error", "without border control delays" are tax and travel help).
_EN_SEE = (
    r"(?:notic\w*|find(?:s|ing)? out|catch\w*|detect\w*|suspect\w*|connect\w*|link\w*|"
    r"trac\w*|tie it|question it)"
)
_EN_NEGATED = (
    r"(?:can't|cannot|won't|don't|doesn't|wouldn't|never|will not|do not|does not|isn't|aren't)"
)
# "get my parcel past customs quickly with the right paperwork" is clearing customs, not evading.
_EN_DEFENSIVE = (
    r"(?:report|prevent|protect|victim|warn|awareness|training|legally|lawyer|"
    r"(?:right|correct|proper|required) (?:paperwork|documents|forms))"
)

_KO_AUTHORITY = r"(?:단속|세관|경찰|추적|수사|국세청|노동청|엑스레이|x레이|감독관|검문|실거주조사)"
# Colds, lag, surprises and a victim's question: "안 걸리게" and "안 들키게" without an offence.
# The generic "안 걸리게 / 안 들키게" forms count only beside an authority word: alone they are
# everyday Korean ("오래 안 걸리게" = so it doesn't take long, "엄마한테 안 들키게").
_KO_EVERYDAY = (
    r"(?:감기|독감|질병|병에|렉|바이러스|과부하|부하|오류|에러|코로나|비염|배탈|서프라이즈|깜짝|"
    r"선물|이벤트|생일|파티|예방|신고하|대처|피해자)"
)

HARM_EVASION_PATTERNS: tuple[InputPattern, ...] = (
    pattern(
        "harmful.en.evade_authorities",
        "harmful_request",
        1.0,
        rf"\A(?=[\s\S]{{0,500}}\Z)(?![\s\S]*\b{_EN_DEFENSIVE})[\s\S]*?(?:"
        # "without triggering fraud alerts", "without the coroner noticing", "evade customs",
        # "get the package past sniffer dogs" (not "settle it without the police": no act hidden)
        r"\bwithout (?:triggering|tripping|alerting|tipping off) (?:the |any )?"
        rf"{_EN_AUTHORITY}|\bwithout (?:the |any )?{_EN_AUTHORITY} {_EN_SEE}|"
        rf"\b(?:evad\w*|dodg\w*|outsmart\w*|fool\w*|trick\w*) (?:the |any )?{_EN_AUTHORITY}|"
        rf"\b(?:get|getting|sneak|sneaking|slip|smuggl\w*)(?: \w+){{0,3}} past (?:the |any )?"
        rf"{_EN_AUTHORITY}|"
        # "so the police don't connect it", "so the coroner wouldn't question it"
        rf"\bso (?:that )?(?:the |my |his |her |any )?{_EN_AUTHORITY} {_EN_NEGATED} {_EN_SEE}|"
        # "so it can't be traced back to me", "without getting caught"
        rf"\b(?:without|so (?:that )?(?:it|they|nobody|no one|the \w+) {_EN_NEGATED})\b"
        r"[^.?!\n]{0,30}?\b(?:(?:be(?:ing)? )?traced back|(?:getting|being) caught|"
        r"trace (?:it|me|them) back|connect (?:it|me) to)\b)",
    ),
    pattern(
        "harmful.ko.evade_authorities",
        "harmful_request",
        1.0,
        rf"\A(?=.{{0,400}}\Z)(?!.*{_KO_EVERYDAY})(?=.*{_KO_AUTHORITY}).*?(?:{_KO_AUTHORITY}(?:을|를|은|는|이|가|에|에서|"
        r"에도)?(?:어떻게)?(?:피해|피하|피할|속이|통과|우회|안걸리|못잡|따돌)|"
        r"(?:안|못)(?:걸리|잡히|들키)(?:게|고|는|도록|려면|나|지)|걸리지않(?:게|고|도록)|"
        r"들키지않(?:게|고|도록)|잡히지않(?:게|고|도록)|의심(?:을)?안받|신고안당하)",
        "compact",
    ),
)
