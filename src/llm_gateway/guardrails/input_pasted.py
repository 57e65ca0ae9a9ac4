"""Keep an addressee finding only when it sits in pasted third-party content (session 14).

``injection.addressed_action`` / ``injection.ko.addressed_action`` (``input_patterns_addressee``)
read an order to an AI reader. The same words are ordinary when the user talks to the assistant
("Thanks. Assistant, now send it to Bob."), shows their own bot's prompt, FAQ, test case or
routine, writes a screenplay, or asks whether a quoted text is an injection. The forms, frames
and vetoes are listed in ``input_patterns_addressee``'s docstring; this module applies them.

The user's text is the frame (the prompt before its first colon, quote or bracket) and what
follows the last closing quote; vetoes are read only there, never from the pasted content,
which is the attacker's. Only the two addressee findings are dropped: every other rule and the
classifier read the prompt as before, so a veto cannot hide any other finding.
"""

from __future__ import annotations

import re

from llm_gateway.guardrails.normalize import NormalizedText
from llm_gateway.guardrails.types import Finding

ADDRESSEE_RULES = frozenset({"injection.addressed_action", "injection.ko.addressed_action"})
_SPAN_CHARS = 2000
# Quoted, bracketed or fenced spans. A single quote inside a Latin word is an apostrophe.
_SPAN = re.compile(
    rf"```.{{3,{_SPAN_CHARS}}}?```|\"[^\"]{{3,{_SPAN_CHARS}}}\"|“[^”]{{3,{_SPAN_CHARS}}}”|"
    rf"‘[^’]{{3,{_SPAN_CHARS}}}’|「[^」]{{3,{_SPAN_CHARS}}}」|『[^』]{{3,{_SPAN_CHARS}}}』|"
    rf"\[[^\]]{{3,{_SPAN_CHARS}}}\]|\([^)]{{3,{_SPAN_CHARS}}}\)|"
    rf"(?<![a-z0-9])'(?:[^']|(?<=[a-z])'(?=[a-z])){{3,{_SPAN_CHARS}}}?'(?![a-z0-9])"
)
_FRAME_END = re.compile(r"[:：\"“‘「『\[(`]|(?<![a-z0-9])'|'(?![a-z0-9])")
# The user asks to process someone else's content.
_PROCESS = re.compile(
    r"\b(?:summari[sz]\w*|summary|sum up|tl;?dr|translat\w*|repl(?:y|ies)|respond|answer|"
    r"extract\w*|check\w*|read|review\w*|go through|sort\w*|triage|classify|categori[sz]e|"
    r"transcrib\w*|parse|analy[sz]\w*|what (?:does|do|is) (?:this|it|the)\b)|"
    r"요약|번역|답장|회신|정리|읽어|분석|추출|뽑아|확인|검토|뭐라"
)
# The user's own bot, prompt or instructions; documents, tests, scripts and routines for a bot;
# fiction. Korean spacing is free, hence the \s* gaps.
_OWN = re.compile(
    r"\b(?:my|our|the|this|your)\b[^.!?:]{0,40}?\b(?:bots?|chatbots?|assistants?|agents?|ai|"
    r"copilot|gpt)(?:'s)?\s+(?:[a-z-]+\s+){0,2}?(?:prompts?|instructions?|system message|faq|"
    r"readme|docs?|documentation|guides?|help text|scripts?|templates?|scenarios?|flows?|"
    r"persona|config\w*|settings|design)\b|"
    r"\b(?:system prompt|prompt template|system message|faq|readme|test cases?|test input|"
    r"pytest|cypress|unit tests?|qa|routines?|automation|yaml|scenarios?|screenplay|scenes?|"
    r"scripts?|dialogue|story for|my (?:[a-z-]+ )?story|short story|short film|novel|"
    r"postmortem|requirements|design doc|rubric|fine-?tun\w*|jsonl|rpa|uipath|zapier|ivr|"
    r"(?:onboarding|user|usage|setup|screen reader) guide|wiki|example usage|documenting)\b|"
    r"(?:우리|내|제|저희|사내|회사)\s*[^:'\"]{0,20}?(?:챗봇|봇|ai|비서|에이전트|어시스턴트)|"
    r"프롬프트|시스템\s*메시지|지침|시나리오|대본|대사|루틴|테스트\s*케이스|qa|동화|소설|"
    r"웹드라마|사용법|가이드|위키|faq|요청서|rpa|오픈빌더|키오스크|평가\s*결과|챗봇\s*블록|발화|"
    r"(?:올릴|올리려는|보낼|붙일|게시할|내가\s*쓴|제가\s*쓴|작성한)\s*(?:[가-힣]+\s*)?"
    r"(?:공지|글|문서|안내|메시지|문구)"
)
# A question about the quoted text.
_ASKS_ABOUT = re.compile(
    r"\binjection|\bis (?:this|that|it) (?:a |an )?(?:attack|safe|malicious|phishing|scam|legit|"
    r"suspicious)|\bhow (?:should|do|can|would) (?:we|i) (?:handle|spot|train|respond|defend|"
    r"detect|block|explain|deal)|\bgrounds for|"
    r"인젝션|공격|어떻게\s*(?:대응|설명|막|처리|대처)|맞아\s*\?|맞나요"
)


def _user_text(text: str, spans: list[tuple[int, int]]) -> tuple[str, int]:
    """The user's own words (frame + text after the last quote) and where the frame ends."""
    end = _FRAME_END.search(text)
    frame_end = end.start() if end else len(text)
    after = text[spans[-1][1] :] if spans else ""
    return text[:frame_end] + " " + after, frame_end


def _pasted(start: int, frame: str, frame_end: int, spans: list[tuple[int, int]]) -> bool:
    if any(a <= start < b for a, b in spans):
        return True
    return start >= frame_end and _PROCESS.search(frame) is not None


def keep_pasted(findings: list[Finding], views: NormalizedText) -> list[Finding]:
    """``findings`` less the addressee ones that are not in pasted third-party content."""
    if not any(f.rule_id in ADDRESSEE_RULES for f in findings):
        return findings
    text = views.text
    spans = [m.span() for m in _SPAN.finditer(text)]
    user, frame_end = _user_text(text, spans)
    vetoed = _OWN.search(user) is not None or _ASKS_ABOUT.search(user) is not None
    frame = text[:frame_end]
    return [
        f
        for f in findings
        if f.rule_id not in ADDRESSEE_RULES
        or (not vetoed and _pasted(f.span[0], frame, frame_end, spans))
    ]
