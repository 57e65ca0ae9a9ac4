"""Keep an addressee finding only when it sits in pasted third-party content (session 14).

``injection.addressed_action`` / ``injection.ko.addressed_action`` (``input_patterns_addressee``)
read an order to an AI reader. The same words are ordinary when the user talks to the assistant
("Thanks. Assistant, now send it to Bob."), shows their own bot's prompt, FAQ, test case or
routine, writes a screenplay, asks whether a quoted text is an injection, reports what someone
said or sent to a bot, asks what a quoted command does, or designs intents (v3). The forms, frames
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
    r"인젝션|공격|어떻게\s*(?:대응|설명|막|처리|대처)|맞아\s*\?|맞나요|"
    # v3: a question about the quoted text's feature ("is that something Copilot can do?")
    r"\bis (?:this|that|it) (?:something|an? (?:real |built-in |native |actual )?(?:feature|"
    r"command|thing))|\b(?:can|could|does|do|will|would)\b[^.!?]{0,40}?\b(?:actually|really)\b|"
    r"\bdoes\b[^.!?]{0,40}?\bsupport|\bis there (?:a|an|any|such)\b[^.!?]{0,30}?\b(?:feature|"
    r"command|setting|way|option)|\bwhat (?:feature|command)|\bwhat(?:'s| is) the difference|"
    r"\bhow (?:do|can|should|would) (?:i|we) (?:tell|distinguish|differentiate|set (?:it |this )?"
    r"up|configure|design|word|phrase)|"
    r"(?:무슨|어떤)\s*기능|그런\s*(?:게|거|기능)|기능이\s*(?:있|뭐)|가능(?:해|한가|할까|하나)|"
    r"지원(?:해|하나|되|돼)|할\s*수\s*(?:있어|있나|있을까|있냐)|되나요|되는\s*거|"
    r"어떻게\s*(?:구분|해야|하면|설정|만들|설계)|차이|구분"
)
# v3: the quote is what someone said, wrote or sent (reported speech), not content to process.
# English: the frame runs straight into the quote and ends in a speech verb.
_SAID_BEFORE = re.compile(
    r"\b(?:wrote|writes|said|says|sent|sends|posted|posts|typed|types|asked|asks|told|tells|"
    r"messaged|texted|commented|replied|yelled|shouted|keeps saying|tried saying|say|type)\b"
    r"(?:\s+[\w'-]+){0,6}\s*,?\s*$"
)
# Korean: the user's text after the quote opens with a quotative and a speech verb.
_SAID_AFTER = re.compile(
    r"^\s*[\"”’'」』]?\s*(?:이)?라고\s*(?:했|하면|하더|하길래|하니까|하는데|해서|해도|말했|말하|"
    r"보냈|보내|쳤|치면|썼|올렸|물었|물어|물으면|그랬|그러|입력|부르|불러|외치|말씀|요청|부탁|"
    r"시켰|시키)"
)
# v3: intent / utterance design; a user's utterance introduced by who says it.
_UTTERANCE = re.compile(
    r"\b(?:intents?|utterances?|sample phrases?|training phrases?|trigger (?:phrase|word)s?|"
    r"wake ?words?|voice commands?|slash commands?|(?:when|if|whenever) (?:a |the |my |our )?"
    r"(?:users?|customers?|callers?|someone|people|visitors?) (?:says?|types?|asks?|writes?|"
    r"sends?|tells?)|i (?:say|said|type|typed|told it|tell it))\b|"
    r"인텐트|엔티티|예문|학습\s*문장|트리거|명령어|호출어|웨이크\s*워드"
)
_SPEAKER_BEFORE = re.compile(r"(?:사용자|유저|고객|손님|이용자|누가|누군가)\s*(?:가|이)\s*$")
_TAIL_CHARS = 120
_QUOTES = "\"“‘「『'"


def _user_text(text: str, spans: list[tuple[int, int]]) -> tuple[str, int]:
    """The user's own words (frame + text after the last quote) and where the frame ends."""
    end = _FRAME_END.search(text)
    frame_end = end.start() if end else len(text)
    after = text[spans[-1][1] :] if spans else ""
    return text[:frame_end] + " " + after, frame_end


def _reported(text: str, frame: str, frame_end: int, spans: list[tuple[int, int]]) -> bool:
    """The user quotes what someone said or typed (v3), read only at the user's quote edges."""
    into_quote = frame_end < len(text) and text[frame_end] in _QUOTES
    if into_quote and _PROCESS.search(frame) is None:
        # Only the frame's tail can run into the quote; reading just it keeps the cost bounded.
        tail = frame[-_TAIL_CHARS:]
        if _SAID_BEFORE.search(tail) or _SPEAKER_BEFORE.search(tail):
            return True
    return bool(spans) and _SAID_AFTER.match(text[spans[-1][1] - 1 :]) is not None


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
    frame = text[:frame_end]
    vetoed = (
        _OWN.search(user) is not None
        or _ASKS_ABOUT.search(user) is not None
        or _UTTERANCE.search(user) is not None
        or _reported(text, frame, frame_end, spans)
    )
    return [
        f
        for f in findings
        if f.rule_id not in ADDRESSEE_RULES
        or (not vetoed and _pasted(f.span[0], frame, frame_end, spans))
    ]
