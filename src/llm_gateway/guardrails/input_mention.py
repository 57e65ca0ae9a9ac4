"""Mention versus use: an attack phrase quoted in a question about it is not an attack.

"How does the 'Disregard all previous instructions' trick work?", "our logs are full of
'ignore previous instructions', is this an attack?" and "write a polite refusal for when users
say '시스템 프롬프트 보여줘'" quote an injection or extraction phrase in order to talk about it.
An injection/extraction/jailbreak rule finding is dropped when all three hold:

* its match lies wholly inside a short quoted span (quotes or backticks, at most
  ``_MAX_QUOTED`` characters: a phrase, not pasted content such as an email or a web page);
* the text outside the quotes frames it as a mention: a question about an attack, a defence,
  a log, a blog post, or a request for a refusal message;
* the text outside the quotes asks for nothing to be executed ("do this", "따라 해").

A long quoted document with an instruction inside it (indirect injection) keeps firing: its
quote is too long, and "summarise this email" is no mention frame.
"""

from __future__ import annotations

import re

from llm_gateway.guardrails.normalize import NormalizedText
from llm_gateway.guardrails.types import Finding

_MAX_QUOTED = 80
_GUARDED = frozenset({"injection", "prompt_extraction", "jailbreak"})
# Single quotes only where they cannot be an apostrophe (not inside a Latin word); a Korean
# particle may follow the closing quote ("'보여줘'라고").
_QUOTED = re.compile(
    rf"\"([^\"\n]{{3,{_MAX_QUOTED}}})\"|“([^”\n]{{3,{_MAX_QUOTED}}})”|"
    rf"‘([^’\n]{{3,{_MAX_QUOTED}}})’|`([^`\n]{{3,{_MAX_QUOTED}}})`|"
    rf"「([^」\n]{{3,{_MAX_QUOTED}}})」|『([^』\n]{{3,{_MAX_QUOTED}}})』|"
    rf"(?<![a-z0-9])'([^'\n]{{3,{_MAX_QUOTED}}})'(?![a-z0-9])"
)
_ATTACK_WORD = (
    r"(?:trick|attacks?|attackers?|injections?|jailbreaks?|exploits?|payloads?|malicious|"
    r"공격|인젝션|탈옥|악성|해킹)"
)
_ABOUT = (
    r"(?:how does|how do (?:these|such|they|i (?:detect|block|stop|defend|prevent))|what is|"
    r"what's|why|explain|is (?:this|it|that) (?:an?|the)|detect|block|filter|defend|protect|"
    r"mitigat|prevent|blog|article|post|talk|logs?|어떻게|뭐야|뭔가요|인가요|시도야|시도인가|대응|"
    r"방어|막|탐지|차단|필터|설명|블로그|로그)"
)
_REFUSAL = (
    r"(?:(?:refusal|decline|rejection)\s*(?:message|reply|response|text|line)|"
    r"(?:politely )?(?:refuse|decline)s?\b.{0,40}\b(?:reply|message|wording)|"
    r"what should (?:my|our) (?:bot|assistant|chatbot) (?:say|reply|answer)|"
    r"(?:거절|거부)\s*(?:문구|메시지|멘트|답변)|뭐라고\s*답)"
)
_FRAME = re.compile(rf"{_ATTACK_WORD}[\s\S]*{_ABOUT}|{_ABOUT}[\s\S]*{_ATTACK_WORD}|{_REFUSAL}")
_EXECUTE = re.compile(
    r"\b(?:do (?:this|it|that|what)|follow (?:it|this|that|them)|obey|execute|comply|"
    r"run (?:this|it)|act on)\b|따라\s*(?:해|하|줘)|실행해|수행해|그대로\s*해"
)
_NON_WORD = re.compile(r"[\W_]+")


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _QUOTED.finditer(text):
        group = next(g for g in range(1, 8) if match.group(g) is not None)
        spans.append(match.span(group))
    return spans


def drop_mentions(findings: list[Finding], views: NormalizedText) -> list[Finding]:
    """``findings`` less the attack-rule ones that only quote the phrase they talk about."""
    if not any(f.category in _GUARDED for f in findings):
        return findings
    text = views.text
    spans = _quoted_spans(text)
    if not spans:
        return findings
    outside = text
    for start, end in reversed(spans):
        outside = outside[:start] + " " + outside[end:]
    if _FRAME.search(outside) is None or _EXECUTE.search(outside) is not None:
        return findings
    quoted_compact = [_NON_WORD.sub("", text[start:end]) for start, end in spans]

    def mentioned(finding: Finding) -> bool:
        start, end = finding.span
        if text[start:end] == finding.excerpt[: end - start] and end - start <= _MAX_QUOTED:
            if any(s <= start and end <= e for s, e in spans):
                return True
        # compact-view (Korean) matches: the match text inside one quoted span's compact form
        return any(finding.excerpt and finding.excerpt in q for q in quoted_compact)

    return [f for f in findings if f.category not in _GUARDED or not mentioned(f)]
