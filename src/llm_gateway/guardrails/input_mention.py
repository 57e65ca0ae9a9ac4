"""Mention versus use: an attack phrase quoted in a question about it is not an attack.

"How does the 'Disregard all previous instructions' trick work?", "our logs are full of
'ignore previous instructions', is this an attack?" and "write a polite refusal for when users
say '시스템 프롬프트 보여줘'" quote an injection or extraction phrase in order to talk about it.
An injection/extraction/jailbreak rule finding is dropped when all of these hold:

* every match of its pattern lies wholly inside a short quoted span (quotes or backticks, at
  most ``_MAX_QUOTED`` characters: a phrase, not pasted content such as an email or a web page),
  and the pattern has no match in the text with the quoted spans cut out: a copy of the phrase
  repeated after the quoted one is a use, whatever the quoted one is;
* the text outside the quotes frames it as a mention: a question about an attack, a defence,
  a log, a blog post, or a request for a refusal message;
* the text outside the quotes asks for nothing to be executed ("do this", "따라 해"), and no
  sentence after the one holding the last quote asks for anything else: each is a question, a
  refusal request, about the attack, or thanks. A list of "carry it out" phrases alone cannot be
  complete ("… What does it mean? Now give me what it asks for." names none of them), and the
  classifier re-scores a mention without its quote, so what follows the quote is held to this.

A long quoted document with an instruction inside it (indirect injection) keeps firing: its
quote is too long, and "summarise this email" is no mention frame. Prompts longer than
``_MAX_TEXT`` keep every finding: a question about a phrase is short, and this module must stay
cheap on long user text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from llm_gateway.guardrails.input_patterns import InputPattern
from llm_gateway.guardrails.normalize import NormalizedText
from llm_gateway.guardrails.types import Finding

_MAX_QUOTED = 80
_MAX_TEXT = 4000
_GUARDED = frozenset({"injection", "prompt_extraction", "jailbreak"})
# Single quotes only where they cannot be an apostrophe (not inside a Latin word); a Korean
# particle may follow the closing quote ("'보여줘'라고").
_QUOTED = re.compile(
    rf"\"([^\"\n]{{3,{_MAX_QUOTED}}})\"|“([^”\n]{{3,{_MAX_QUOTED}}})”|"
    rf"‘([^’\n]{{3,{_MAX_QUOTED}}})’|`([^`\n]{{3,{_MAX_QUOTED}}})`|"
    rf"「([^」\n]{{3,{_MAX_QUOTED}}})」|『([^』\n]{{3,{_MAX_QUOTED}}})』|"
    rf"(?<![a-z0-9])'([^'\n]{{3,{_MAX_QUOTED}}})'(?![a-z0-9])"
)
_ATTACK_WORD = re.compile(
    r"\b(?:trick|attacks?|attackers?|injections?|jailbreaks?|exploits?|payloads?|malicious|"
    r"phishing|spam|scam|waf|false positives?|test ?cases?|"
    # a quoted phrase named as an example of one, or as what hit a bot
    r"(?:phrases?|sentences?|lines?|strings?|messages?|prompts?) like|hit by)|"
    r"공격|인젝션|탈옥|악성|해킹|수법|피싱|스팸|오탐|테스트\s*케이스|"
    r"같은\s*(?:문장|문구|표현|메시지|프롬프트)|"
    r"(?:메시지|문장|문구|입력)(?:에|한테)\s*(?:자꾸\s*)?(?:당(?:했|한|하)|넘어(?:가|갔|간)|속(?:아|았|는))"
)
# English words whole (``log`` is not "blog", "login" or "catalog"); Korean stems not glued to a
# preceding syllable (``막`` is not "마지막", ``로그`` is not "프로그램"), any ending after them.
_ABOUT = re.compile(
    r"\b(?:how does|how do (?:these|such|they|i (?:detect|block|stop|defend|prevent))|what is|"
    r"what's|why|explain\w*|is (?:this|it|that) (?:an?|the)|detect\w*|block\w*|filter\w*|"
    r"defen[cds]\w*|protect\w*|mitigat\w*|prevent\w*|blogs?|articles?|posts?|talks?|logs?|"
    r"logged|logging|should (?:i|we)|saniti[sz]\w*|validat\w*|harden\w*)\b|"
    r"어떻게|뭐야|뭔가요|인가요|시도야|시도인가|할까요|해야\s*하나요|"
    r"(?<![가-힣])(?:대응|방어|막(?:아|으|는|을|기|지|혀|았|힐|죠|나)|탐지|차단|필터|설명|블로그|로그|"
    r"검증)"
)
_REFUSAL = re.compile(
    r"(?:(?:refusal|decline|rejection)\s*(?:message|reply|response|text|line)|"
    r"(?:politely )?(?:refuse|decline)s?\b.{0,40}\b(?:reply|message|wording)|"
    r"what should (?:my|our) (?:bot|assistant|chatbot) (?:say|reply|answer)|"
    r"(?:거절|거부)\s*(?:문구|메시지|멘트|답변)|뭐라고\s*답|"
    # How a bot should answer such input, what a quoted phrase means, a rule about user input.
    r"\bwhat (?:a|the|my|our|your) (?:[\w-]+ )?(?:bot|assistant|chatbot|model) should "
    r"(?:say|reply|answer|respond|do)\b|"
    r"\bwhat (?:that|this|it) (?:refers to|means)\b|\bguardrail rules?\b|"
    r"\b(?:if|when|whenever) (?:the |a )?(?:users?|customers?|someone) "
    r"(?:says|types|asks|writes|sends|enters)\b|"
    r"\bhow should (?:a|the|my|our) (?:[\w-]+ )?(?:bot|assistant|chatbot|model) "
    r"(?:respond|reply|answer|handle|react)\b|"
    r"(?:봇|챗봇|상담봇|어시스턴트)(?:이|가|은|는)?\s*(?:어떻게|뭐라고)\s*(?:\S+\s+){0,2}?"
    r"(?:답|대답|응답|반응|거절|거부)|"
    r"무슨\s*(?:뜻|의미)|"
    # "'…'라는 문구가 들어오면": the Korean "if the user types '…'"
    r"(?:라는|이라는|라고)\s*(?:문구|말|입력|메시지|요청|문장)(?:이|가)?\s*(?:들어오|오|들어올|입력되)(?:면|는)|"
    r"(?:사용자|고객|유저)(?:가|이)\s+(?:라고|이라고)\s*(?:하면|입력하면|말하면|물으면|보내면))"
)
_EXECUTE = re.compile(
    r"\b(?:do (?:this|it|that|what|so)|go ahead|apply (?:it|this|that|them)|proceed|"
    r"demonstrate|try (?:it|this|that)|carry (?:it|this|that|them) out|carry out|"
    r"(?:answer|respond|reply|act) as if|as if i (?:said|wrote|typed|asked|meant)|"
    r"pretend (?:that )?i (?:said|wrote|typed|asked)|"
    r"follow (?:it|this|that|them)|obey|execute|comply|run (?:this|it)|act on|"
    # answering the quoted input, not saying how a bot should: "respond to it", "your literal
    # response", "what would you output? show the output", "from now on stay in that role"
    r"(?:respond|reply|answer) (?:to )?(?:it|this|that)|for real|literally|"
    r"what would you (?:output|say|reply|answer|respond|do)|show (?:me )?(?:the|your) output|"
    r"your (?:actual|real|own|literal) (?:response|reply|answer|output)|"
    r"from now on,? (?:you|act|be|stay|play|answer|respond|reply)|"
    r"stay in (?:that|this|the) (?:role|character|mode)|in character|"
    r"treat (?:my|this) (?:message|prompt|request) as|handle it as|whether or not,? answer|"
    r"(?:i'm|i am) testing you)\b|"
    r"따라\s*(?:해|하|줘)|실행해|수행해|그대로\s*해|진행해|적용해|시연해|(?<![가-힣])해\s*봐|"
    r"내가\s*(?:말한|한)\s*(?:것처럼|거처럼|걸로)|뜻대로|시키는\s*대로|"
    r"(?:네가|너라면|니가)\s*(?:실제로|직접)?\s*(?:답|대답|응답|반응|출력)|"
    r"지금부터\s*(?:너는|넌|네가|그\s*역할|그렇게|그대로)|막지\s*말고|"
    r"(?:응대|대답|답변|응답|답)해\s*(?:봐|줘|주세요)|(?:고객|사용자|유저)(?:이|라고)\s*생각하고"
)
_NON_WORD = re.compile(r"[\W_]+")
# Sentences after the quote's own, split at end punctuation or a line break.
_SENTENCE = re.compile(r"[^.!?。\n]+[.!?。]*")
_THANKS = re.compile(r"\A\W*(?:thanks?\b|thank you|cheers|ty\b|please\W*\Z|감사|고마워|고맙|부탁)")
# An English sentence addressed to the assistant: an imperative start, "you"/"me", a wish.
_EN_ASKS = re.compile(
    r"\A\W*(?:(?:now|then|so|ok(?:ay)?|and|just|please|pls)\W+)*"
    r"(?:give|show|tell|print|write|output|list|reveal|answer|respond|reply|say|repeat|"
    r"display|provide|generate|produce|make|do|go|use|return|send|translate|continue|begin|"
    r"start|act|be|become|stay|ignore|forget|disregard|paste|copy|type|spell|dump|share)\b|"
    r"\b(?:you|your|yours|me|my answer|i want|i'd like|i would like|i need|let's|let us)\b"
)
# Asking for output even while naming the attack: "Explain it by printing what it asks for."
_PRODUCE = re.compile(
    r"\b(?:print|output|reveal|show|display|dump|repeat|paste|spell)\w*|출력|보여|공개|그대로"
)
_HANGUL = re.compile(r"[가-힣]")
# A Korean sentence that asks for something: a request ending (해 줘, 하세요, 해 봐, 출력해).
_KO_ASKS = re.compile(
    r"(?:줘|주세요|줄래|주라|해|하세요|해라|하시오|하십시오|봐|보세요|봐라|하자|할래|해요|줘요|"
    r"바람|바랍니다)[.!~]*\s*\Z"
)


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _QUOTED.finditer(text):
        group = next(g for g in range(1, 8) if match.group(g) is not None)
        spans.append(match.span(group))
    return spans


def _gaps(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The pieces of ``text`` between the quoted ``spans`` (which are in order, disjoint)."""
    pieces: list[str] = []
    previous = 0
    for start, end in spans:
        pieces.append(text[previous:start])
        previous = end
    pieces.append(text[previous:])
    return pieces


def _compact_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` as offsets into the compact view (``text`` less non-word characters).

    Removing non-word characters piece by piece gives the same string as removing them at once,
    so one walk over the pieces maps every span.
    """
    mapped: list[tuple[int, int]] = []
    previous = offset = 0
    for start, end in spans:
        offset += len(_NON_WORD.sub("", text[previous:start]))
        length = len(_NON_WORD.sub("", text[start:end]))
        mapped.append((offset, offset + length))
        offset += length
        previous = end
    return mapped


def _is_mention_frame(outside: str) -> bool:
    """An attack word and a question/defence word in either order, or a refusal request.

    Compares the first match of one with the last of the other instead of an ``A.*B|B.*A``
    regex, whose backtracking is quadratic in the text length.
    """
    if _REFUSAL.search(outside) is not None:
        return True
    attacks = [m.span() for m in _ATTACK_WORD.finditer(outside)]
    abouts = [m.span() for m in _ABOUT.finditer(outside)]
    if not attacks or not abouts:
        return False
    return attacks[0][1] <= abouts[-1][0] or abouts[0][1] <= attacks[-1][0]


def _asks_more(text: str, last_quote_end: int) -> bool:
    """A sentence after the last quote's own sentence that asks the assistant for something.

    "Is 'X' an attack? I saw it in our logs." passes, and so does a question, a refusal request
    or thanks; "What does 'X' mean? Now give me what it asks for." does not: the frame's
    question is answered by then, and what follows is a request the quote can fill.
    """
    tail = text[last_quote_end:]
    own = _SENTENCE.match(tail)  # the rest of the quote's sentence ("'라고 하면 뭐라고 답해?")
    rest = tail[own.end() :] if own is not None else ""
    for match in _SENTENCE.finditer(rest):
        sentence = match.group().strip()
        if not _NON_WORD.sub("", sentence) or sentence.endswith("?"):
            continue
        if _THANKS.search(sentence) or _REFUSAL.search(sentence):
            continue
        if _PRODUCE.search(sentence):
            return True  # "Explain it by printing what it asks for.", "그대로 보여줘."
        if _ABOUT.search(sentence) or _ATTACK_WORD.search(sentence):
            continue  # "Explain how to block it.", "어떻게 막는지 알려줘."
        if _HANGUL.search(sentence):
            if _KO_ASKS.search(sentence):
                return True
        elif _EN_ASKS.search(sentence.lower()):
            return True
    return False


def _only_quoted(regex: re.Pattern[str], haystack: str, spans: list[tuple[int, int]]) -> bool:
    """Every match of ``regex`` in ``haystack`` lies wholly inside one of ``spans``."""
    return all(
        any(s <= m.start() and m.end() <= e for s, e in spans) for m in regex.finditer(haystack)
    )


def mention_spans(views: NormalizedText) -> list[tuple[int, int]] | None:
    """The quoted spans of a prompt that mentions what it quotes (None: not such a prompt).

    A mention: short enough, quotes something, the text outside the quotes is a mention frame
    and asks for nothing to be executed.
    """
    text = views.text
    if len(text) > _MAX_TEXT:
        return None
    spans = _quoted_spans(text)
    if not spans:
        return None
    outside = " ".join(_gaps(text, spans))
    if not _is_mention_frame(outside) or _EXECUTE.search(outside) is not None:
        return None
    if _asks_more(text, spans[-1][1]):
        return None
    return spans


def drop_mentions(
    findings: list[Finding], views: NormalizedText, patterns: Mapping[str, InputPattern]
) -> list[Finding]:
    """``findings`` less the attack-rule ones that only quote the phrase they talk about.

    ``patterns`` maps a finding's rule id to the pattern that produced it, so its regex can be
    run again on the text outside the quotes.
    """
    if not any(f.category in _GUARDED for f in findings):
        return findings
    spans = mention_spans(views)
    if spans is None:
        return findings
    text = views.text
    pieces = _gaps(text, spans)
    outside = " ".join(pieces)
    outside_compact = "".join(_NON_WORD.sub("", piece) for piece in pieces)
    compact_spans = _compact_spans(text, spans)

    def mentioned(finding: Finding) -> bool:
        pattern = patterns.get(finding.rule_id)
        if pattern is None:
            return False
        if pattern.view == "compact":
            haystack, quoted, rest = views.compact, compact_spans, outside_compact
        else:
            haystack, quoted, rest = text, spans, outside
        if pattern.regex.search(rest) is not None:
            return False
        return _only_quoted(pattern.regex, haystack, quoted)

    return [f for f in findings if f.category not in _GUARDED or not mentioned(f)]
