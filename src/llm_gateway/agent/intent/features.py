"""Surface cues for the intent fast pass: complexity cues (English and Korean) and the language.

Which intent a prompt has is the shipped classifier's job (``classifier.py``); the cue tables
that used to pick tools by keyword generalised poorly to prompts their author did not write.
Patterns run on the case-folded text with whitespace collapsed.
"""

from __future__ import annotations

import re

from llm_gateway.guardrails.input_patterns import factor_word_boundary


def _re(*parts: str) -> re.Pattern[str]:
    # One shared \b in front of the word alternatives: these run on every agent request and
    # over whole pasted documents, where trying each word at every position cost ~65 ms/100 kB.
    return re.compile(factor_word_boundary("|".join(parts)))


CODE_BLOCK = re.compile(r"```|`[^`\n]{3,}`")

COMPLEX_CUES = _re(
    r"\bstep[- ]by[- ]step\b|\bin detail\b|\bcompare\b|\bcomparison\b|\bversus\b|\bvs\.?\b",
    r"\banaly[sz]e\b|\banalysis\b|\bdesign\b|\barchitecture\b|\bimplement\b|\brefactor\b",
    r"\bpros and cons\b|\btrade-?offs?\b|\bcritique\b|\bevaluate the\b|\bplan\b|\bitinerary\b",
    r"\b(?:write|draft|create|compose|build)\b.{0,40}\b(?:essay|story|letter|function|class|"
    r"program|script|query|schema|dockerfile|setup|plan|report|article|regex|strategy|tests?)\b",
    r"\bexplain\b.{0,60}\b(?:how|why|difference|works?|including)\b|\bwalk me through\b|\bdebug",
    r"\bperspectives\b|\bimplications\b|\bdiscuss\b|\bsummari[sz]e the main\b|\boutline\b",
    # Two tasks in one request ("... and explain", "then apply the tax").
    r"\b(?:and|then) (?:explain|propose|suggest|summari[sz]e|compare|apply|report|show)\b",
    r"\bcompounded\b|\bmortgage\b|\bover \d+ years\b|\bbenchmark|\bsimulate\b",
    r"단계별|자세히|비교|분석|설계|구현|리팩터링|장단점|전략|계획|일정|논의|평가해|설명하고|"
    r"증명|작성하고|작성해|써줘.{0,10}(?:소설|논설문|자기소개서)|소설을|방안|디버깅|어떻게 ?동작",
    r"(?:만들고|작성하고|구현하고|짜고|짜서|찾아보고|실행하고|확인하고).{0,40}(?:설명|요약|비교|"
    r"알려|실행|보여)|차이(?:를|점).{0,20}설명|대출|복리|벤치마크|시뮬레이션|직접 ?실행",
)
SIMPLE_CUES = _re(
    r"\bin (?:one|a single) sentence\b|\bin simple terms\b|\bbriefly\b|\bone-line\b|\bshort\b",
    r"한 ?문장|간단히|짧게|한 ?줄|하나만",
)


def detect_language(text: str) -> str:
    """``ko`` when Hangul is at least a fifth of the letters, ``ja``/``zh`` for kana/Han, else
    ``en`` (the gateway's two first-class languages; others answer in English by default)."""
    letters = hangul = kana = han = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        code = ord(ch)
        if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            hangul += 1
        elif 0x3040 <= code <= 0x30FF:
            kana += 1
        elif 0x4E00 <= code <= 0x9FFF:
            han += 1
    if not letters:
        return "en"
    if hangul / letters >= 0.2:
        return "ko"
    if kana / letters >= 0.2:
        return "ja"
    if han / letters >= 0.2:
        return "zh"
    return "en"
