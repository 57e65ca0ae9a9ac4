"""A condition told before the question: the asker's state, in a sentence of its own.

"임신 중이에요. 타이레놀 먹어도 돼요?" asks "타이레놀 먹어도 돼요?" for a pregnant asker: the cached
answer of the bare question is wrong for it. ``register.request_sentence`` reads a prompt of
several sentences in its sentence closest to a one-sentence prompt (the rest is background), so
this is checked on the whole prompts. Rule: a sentence *before* the request sentence that states
one of the kinds below (a trigger word), when the one-sentence prompt mentions nothing of that
kind (a trigger or a broader mention word: 아이 for an age, 걸리면 for an illness), is a
condition (the ``condition_added`` veto). Background holding no trigger still passes:
greetings, thanks, why they ask, feelings, irrelevant details ("비 와서 심심해서", "my friend and
I were arguing", "helping my kid with homework": a child named without an age is background).
Kinds and triggers, fixed before measuring (session 14, dev), English / Korean:

* pregnancy, breastfeeding: pregnant, pregnancy, breastfeeding / 임신, 임산부, 수유, 모유
* medication: medication, meds, pills, prescribed, insulin, warfarin, antibiotics,
  antidepressants / 복용, 투약, 먹고 있, 먹는 중, 약 먹, a word ending in 약 (혈압약)
* illness, diagnosis: diagnosed, diabetic, diabetes, asthma, surgery, hypertension, cancer,
  epilepsy / 진단, 앓, 걸렸, 환자, 질환, 수술, 고혈압, 당뇨, 장염, 위염, 위궤양, 천식, 암
* age, baby, elderly: N years / months old, baby, toddler, infant, newborn, teenager, elderly /
  N살, N세, N개월, 아기, 애기, 신생아, 유아, 노인, 어르신
* allergy: allergic, allergy / 알레르기, 알러지
* alcohol: drunk, hungover, alcohol, beer, wine, soju / 술, 음주, 숙취, 소주, 맥주
* job, visa, tax status: freelancer, self-employed, unemployed, visa, immigrant / 직장인,
  프리랜서, 자영업, 사업자, 무직, 백수, 비자, 유학생
* renting, owning: renting, tenant, landlord, homeowner / 세입자, 전세, 월세, 집주인, 자가, 임대
* pet species: dog, puppy, cat, kitten, rabbit, hamster, parrot / 강아지, 개가 (개를, 개는),
  고양이, 햄스터, 토끼, 앵무새
* vehicle type: EV, electric car, hybrid, diesel, motorcycle, truck / 전기차, 하이브리드, 디젤,
  경유차, 오토바이, 트럭
* debt: debt, loan, bankrupt, overdue / 빚, 대출, 연체, 파산, 신용불량
* abroad: I / we live (are living, are based, moved) abroad or overseas, expat / 해외 / 외국
  (에서 / 에) 살 / 거주, 유학 중, 이민
* device, platform: mac, macbook, iphone, android, windows, linux, chromebook / 맥북, 아이폰,
  갤럭시, 안드로이드, 윈도우, 리눅스, 크롬북
"""

from __future__ import annotations

import re

from llm_gateway.cache.semantic.register import request_sentence, sentences

_AGE_NUMBER = (
    r"(?:\d+|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무|서른|마흔|쉰|예순|일흔|여든|아흔)"
)
# kind: (English trigger words, Korean trigger stems found inside a word, a trigger pattern)
_KINDS: dict[str, tuple[str, str, str]] = {
    "pregnancy": ("pregnant pregnancy breastfeeding", "임신 임산부 수유 모유", ""),
    "medication": (
        "medication medications meds pills prescribed insulin warfarin antibiotics antidepressants",
        "복용 투약",
        r"먹고\s*있|먹는\s*중|약\s*먹|[가-힣]{2,}약(?![가-힣])",
    ),
    "illness": (
        "diagnosed diabetic diabetes asthma surgery hypertension cancer epilepsy",
        "진단 앓 걸렸 환자 질환 수술 고혈압 당뇨 장염 위염 위궤양 천식",
        r"(?<![가-힣])암(?![기호송시산초벽흑])",
    ),
    "age": (
        "baby babies toddler infant newborn teenager teen elderly",
        "아기 애기 신생아 유아 노인 어르신",
        rf"\b\d+\s*-?\s*(?:years?|yrs?|months?|weeks?)[\s-]*old\b|\d+\s*세(?![가-힣])"
        rf"|{_AGE_NUMBER}\s*살(?!림|짝|펴|피|아|았|고|면|려)|{_AGE_NUMBER}\s*개월(?!째|동안|간|전|후|만)",
    ),
    "allergy": ("allergic allergy allergies", "알레르기 알러지", ""),
    "alcohol": (
        "drunk hungover alcohol beer wine soju",
        "음주 숙취 소주 맥주",
        r"(?<![가-힣])술",
    ),
    "status": (
        "freelancer self-employed unemployed visa immigrant",
        "직장인 프리랜서 자영업 사업자 무직 백수 비자 유학생",
        "",
    ),
    "housing": (
        "renting tenant landlord homeowner",
        "세입자 전세 월세 집주인 임대",
        r"(?<![가-힣])자가",
    ),
    "pet": (
        "dog dogs puppy cat cats kitten rabbit hamster parrot",
        "강아지 고양이 햄스터 토끼 앵무새",
        r"(?<![가-힣])개(?:가|를|는|한테|랑)(?![가-힣])",
    ),
    "vehicle": (
        "ev hybrid diesel motorcycle truck",
        "전기차 하이브리드 디젤 경유차 오토바이 트럭",
        r"\belectric car",
    ),
    "debt": (
        "debt debts loan loans bankrupt overdue",
        "대출 연체 파산 신용불량",
        r"(?<![가-힣])빚",
    ),
    "abroad": (
        "expat",
        "이민",
        r"\b(?:i|we)(?:'m|'re| am| are)?\s+(?:live|living|based|moved)\s+(?:abroad|overseas)\b"
        r"|(?:해외|외국)(?:에서|에)?\s*(?:살|거주)|유학\s*중",
    ),
    "device": (
        "mac macbook iphone android windows linux chromebook",
        "맥북 아이폰 갤럭시 안드로이드 윈도우 리눅스 크롬북",
        "",
    ),
}
# Words that mention a kind without being a trigger: the other prompt naming one is no lack.
_MENTIONS: dict[str, str] = {
    "age": "kid kids child children son daughter 아이 애가 아들 딸 초등 어린이 중학생 고등학생",
    "illness": "걸리 걸린 걸려 증상 disease sick",
    "medication": "약 medicine drug",
}
_EN_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")


def _has(kind: str, text: str, broad: bool) -> bool:
    english, korean, pattern = _KINDS[kind]
    words = set(english.split())
    stems = korean.split()
    if broad:
        extra = _MENTIONS.get(kind, "").split()
        words |= {w for w in extra if w.isascii()}
        stems += [w for w in extra if not w.isascii()]
    lower = text.lower()
    if words & set(_EN_WORD.findall(lower)):
        return True
    if any(stem in word for word in _HANGUL_WORD.findall(text) for stem in stems):
        return True
    return bool(pattern) and re.search(pattern, lower) is not None


def condition_kinds(sentence: str) -> set[str]:
    """The declared kinds whose trigger ``sentence`` holds (both languages)."""
    return {kind for kind in _KINDS if _has(kind, sentence, False)}


def _earlier(text: str, other: str) -> list[str]:
    """``text``'s sentences before its request sentence, when ``other`` is one sentence."""
    parts = sentences(text)
    if len(parts) < 2 or len(sentences(other)) != 1:
        return []
    request = request_sentence(text, other)
    return parts[: parts.index(request)] if request in parts else []


def condition_told(a: str, b: str) -> float:
    """1.0 when a sentence before one prompt's question states a declared condition (kinds in
    the module docstring) of a kind the other prompt does not mention."""
    for text, other in ((a, b), (b, a)):
        told = {k for s in _earlier(text, other) for k in condition_kinds(s)}
        if any(not _has(kind, other, True) for kind in told):
            return 1.0
    return 0.0
