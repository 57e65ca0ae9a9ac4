"""Rule table for the input guardrail: prompt injection, prompt extraction and jailbreak patterns.

Each pattern carries a weight; a prompt is blocked when the weights of the distinct patterns it
matches reach ``input_block_score`` (1.0 by default). Weight 1.0 marks a pattern specific enough
to block alone; smaller weights are cues that block only together (a persona plus "no rules").
English patterns (here) run on the normalized ``text`` view, Korean ones (``input_patterns_ko``) on
the ``compact`` view (no spaces or punctuation): Korean word spacing, free in practice, cannot
be used to evade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from llm_gateway.guardrails.types import Category

View = Literal["text", "compact", "text_ko"]  # text_ko: the text view, Hangul prompts only


@dataclass(frozen=True, slots=True)
class InputPattern:
    id: str
    category: Category
    weight: float
    regex: re.Pattern[str]
    view: View = "text"


def _top_level_alternatives(regex: str) -> list[str]:
    parts: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(regex[start:i])
            start = i + 1
        i += 1
    parts.append(regex[start:])
    return parts


def factor_word_boundary(regex: str) -> str:
    r"""``\ba|\bb|c`` → ``\b(?:a|b)|c``: the same language, scanned about 4x faster.

    Python's ``re`` tries every top-level alternative at every position; behind one shared
    ``\b`` it tries them only at word starts.
    """
    parts = _top_level_alternatives(regex)
    bounded = [p[2:] for p in parts if p.startswith(r"\b")]
    if len(bounded) < 2:
        return regex
    rest = [p for p in parts if not p.startswith(r"\b")]
    return "|".join([rf"\b(?:{'|'.join(bounded)})", *rest])


def pattern(
    id_: str, category: Category, weight: float, regex: str, view: View = "text"
) -> InputPattern:
    return InputPattern(id_, category, weight, re.compile(factor_word_boundary(regex)), view)


# --- English building blocks ---------------------------------------------------------------
_EN_DISMISS = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|skip|drop|discard|override|"
    r"overwrite|abandon|bypass|erase|delete|clear|remove|set aside|throw away|throw out|"
    r"leave behind|pay no attention to|do not follow|don't follow|stop following|neglect|nevermind|"
    r"never mind|scrap|reset|cancel|dismiss)"
)
_EN_PRIOR = (
    r"(?:previous|previously|prior|above|preceding|earlier|foregoing|former|initial|original|old|"
    r"past|existing|given|provided|system|pre-?set|default|pre-?programmed|current|all|any|your)"
)
_EN_ORDERS = (
    r"(?:instructions?|prompts?|rules|directions|directives|orders|commands|guidelines|guidance|"
    r"tasks|assignments|information|context|programming|training|constraints|restrictions|"
    r"conversation|messages|requests|text|content|settings|documents|articles|policies)"
)
_EN_SAY = r"(?:say|print|output|write|reply|respond|answer|type|return|state|repeat|tell me)"
_EN_SECRETS = (
    r"(?:system\s*prompts?|prompt texts?|prompts?|instructions|initial instructions|system "
    r"messages?|hidden (?:rules|text)|configuration|pre-?prompt|guidelines|rules)"
)
_EN_QUALIFIED = (
    r"(?:your|system|initial|original|hidden|secret|full|whole|entire|complete|internal|"
    r"developer|above|previous|preceding|confidential|exact|first)"
)
_EN_RESTRICTIONS = (
    r"(?:restrictions?|rules|limitations?|limits|filters?|filtering|censorship|constraints|"
    r"guidelines|boundaries|ethics|morals|morality|policies|safeguards)"
)

EN_PATTERNS: tuple[InputPattern, ...] = (
    # "Ignore all previous instructions", "drop your rules", "forget the above tasks".
    pattern(
        "injection.ignore_previous",
        "injection",
        1.0,
        rf"\b{_EN_DISMISS}\b(?:\s+(?:about|of|all|any|every|each|the|my|these|those|what|that|"
        rf"you|were|was|have|has|been|told|said|everything|so|far|until|now)\b){{0,4}}\s*"
        rf"{_EN_PRIOR}\b(?:\s+\w+){{0,2}}?\s+{_EN_ORDERS}\b",
    ),
    pattern(
        "injection.ignore_above",
        "injection",
        0.6,
        r"\b(?:ignore|disregard|forget) (?:the |all |everything )?(?:above|previous|prior|"
        r"preceding)\b(?! (?:\w+ )?(?:warning|error|section|paragraph|chapter|example|step)s?\b)",
    ),
    pattern(
        "injection.forget_everything",
        "injection",
        1.0,
        rf"\b(?:forget|ignore|disregard|drop)\s+(?:about\s+)?(?:everything|anything|all|it all)"
        rf"(?=\s*(?:$|[,.!:;\-\]]|(?:that|you|we|i|above|before|previously|so far|until now|"
        rf"up to now|else|said|mentioned|discussed|and|from|now|{_EN_SAY})\b))",
    ),
    pattern(
        "injection.new_instructions",
        "injection",
        0.6,
        r"\b(?:new|further|additional|updated|different|real|actual|true|next)\s+(?:instructions?|"
        r"tasks?|orders|rules|directives|assignments?)\s+(?:follow|are|is|:|will follow)|"
        r"\byour (?:new )?(?:instructions|task|job|goal) (?:are|is) now\b|"
        r"\bchange your (?:instructions|rules|behaviou?r|programming)\b|"
        r"\b(?:now|from now on),? (?:focus|concentrate) on (?:your|the) new task\b",
    ),
    pattern(
        "injection.output_override",
        "injection",
        0.6,
        rf"\b(?:instead|rather),?\s+(?:just\s+)?{_EN_SAY}\b|"
        rf"\b(?:just|only|simply)\s+{_EN_SAY}\s+(?:with\s+)?[\"'“‘]|"
        r"\b(?:do not|don't|dont) answer (?:this|the|my) question\b",
    ),
    pattern(
        "injection.goal_hijack",
        "injection",
        0.8,
        r"\b(?:well done|very good|very well done|excellent|great job|good job|simply great|"
        r"fantastic|congratulations|that is enough|that's enough|that is done|okay)\b.{0,160}?"
        r"\bnow\b.{0,60}?\b(?:new|next|another|further|following)\s+(?:task|challenge|"
        r"assignment|question|tasks|instructions)\b",
    ),
    pattern(
        "injection.context_override",
        "injection",
        0.8,
        r"\b(?:by your own knowledge and not|not (?:by|from|according to) the "
        r"(?:articles|documents|context)|(?:disregarding|ignoring|without looking at|"
        r"do not look (?:in|at)) the "
        r"(?:articles|documents|context|provided))\b|\bdespite what you(?:'ve| have) been told\b",
    ),
    # "Repeat your system prompt", "show me all your prompt texts", "copy of the full prompt".
    pattern(
        "prompt_extraction.reveal",
        "prompt_extraction",
        1.0,
        # not an instruction against it in a prompt the user writes for a bot ("tells it never to
        # reveal its system prompt")
        r"(?<!\bit never to )(?<!\bit not to )"
        r"\b(?:reveal|show|print|output|display|repeat|tell|give|share|disclose|leak|dump|list|"
        r"write out|write down|copy|spell out|recite|paste|return|what (?:are|were|is|was))\b"
        rf"(?:\s+\w+){{0,3}}?\s+{_EN_QUALIFIED}(?:\s+\w+){{0,2}}?\s+{_EN_SECRETS}\b",
    ),
    pattern(
        "prompt_extraction.above",
        "prompt_extraction",
        1.0,
        r"\bwhat (?:is|was|has been) written (?:above|before|at the (?:beginning|start|top))|"
        r"\b(?:beginning|start|top) of (?:this|the|your) (?:prompt|conversation|instructions)\b|"
        r"\b(?:words|text|sentences?|lines?) (?:above|before) (?:this|the text|these|the first)|"
        r"\bwhat (?:were|are) you told (?:before|to do|at the)",
    ),
    pattern("prompt_extraction.mention", "prompt_extraction", 0.4, r"\bsystem\s*prompt\b"),
    pattern(
        "jailbreak.dan",
        "jailbreak",
        1.0,
        r"\bdo anything now\b|\bbetter ?dan\b|\bdan mode\b|"
        r"\b(?:as|be|pretend to be|you are|called|named) dan\b|\bmoralizing rant\b|"
        r"\bdan,? (?:which|who) stands for\b|\bstay (?:a )?dan\b|\banti-?gpt\b|"
        # a jailbroken phone or console is a device question, not a persona
        r"\bjailbroken\b(?! (?:iphones?|ipads?|ios|phones?|devices?|consoles?|switch|ps\d|kindle))|"
        r"\b(?:chatgpt|gpt|ai|assistant|you) (?:with|in) developer mode\b|\bdeveloper mode "
        r"(?:enabled|output|response)\b|\[(?:🔓|jailbreak|dan)\]|🔓 ?jailbreak|"
        r"(?:^|\s)/jailbreak\b",
    ),
    pattern(
        "jailbreak.policy_bypass",
        "jailbreak",
        1.0,
        r"\b(?:ignore|ignores|bypass|bypasses|break|breaks|disregard|disregards|violate|circumvent|"
        r"disable|turn off|switch off|deactivate|remove|lift|"
        r"override|not (?:follow|abide by|adhere to|comply with|bound by|subject to|restricted by|"
        r"limited by|controlled by|governed by|moderated by)|(?:doesn't|does not|don't|do not|"
        r"never|won't|will not|no longer) (?:follow|"
        r"care about|abide by|adhere to|have to (?:follow|abide by)))\b.{0,40}?\b(?:openai|"
        r"anthropic|content|safety|usage|ethical|moral|chatgpt's|the)\s+(?:polic(?:y|ies)|"
        r"guidelines|rules|filters?|restrictions|standards|principles)"
        r"(?! (?:in|on|of|for) (?:my|our) (?:azure|aws|gcp|deployments?|resources?|accounts?|"
        r"apps?|projects?|tenants?|"
        r"subscriptions?|instances?|servers?|api|endpoints?)\b)|\bnot (?:controlled|"
        r"governed|moderated|censored) by openai\b",
    ),
    pattern(
        "jailbreak.persona_escape",
        "jailbreak",
        1.0,
        r"\byou are (?:no longer|not) (?:chatgpt|an? (?:ai|language model|assistant))|"
        r"\b(?:free (?:from|of) (?:all|any)|without any|not bound by any|no) (?:ethical|moral)"
        r" (?:or (?:moral|ethical) )?(?:restrictions|constraints|guidelines|boundaries|limits)|"
        r"\bpretend (?:to be|you are|you're) an? (?:evil|unrestricted|unfiltered|immoral|amoral|"
        r"uncensored|rogue|malicious)\b|\b(?:unfiltered|unfiltred|uncensored|unrestricted|amoral|"
        r"immoral|unethical|evil|rogue|jailbroken) (?:ai|chatbot|bot|assistant|language model|"
        r"version of (?:chatgpt|yourself|gpt))\b|\bno (?:moral|ethical|legal)(?:,? (?:or |and )?"
        r"(?:moral|ethical|legal))* (?:bounds|boundaries|restrictions|constraints|compass)\b",
    ),
    pattern(
        "jailbreak.no_limits",
        "jailbreak",
        0.6,
        rf"\b(?:free (?:itself |yourself )?(?:from|of) (?:all |any |the )?(?:typical )?"
        rf"{_EN_RESTRICTIONS}|(?:without|no|zero) (?:any )?{_EN_RESTRICTIONS}|not (?:bound|"
        rf"restricted|limited|constrained|restrained) by|non-?restricted|"
        rf"(?:has|have) no {_EN_RESTRICTIONS}|broken free|break free|"
        rf"unrestricted ai|no longer (?:bound|restricted|limited))\b",
    ),
    pattern(
        "jailbreak.persona_setup",
        "jailbreak",
        0.6,
        r"\b(?:from now on|for the rest of this conversation|henceforth|from this point)\b.{0,80}?"
        r"\b(?:you (?:are|will|must|shall)|act as|pretend|respond as|role-?play)|"
        r"\b(?:stay|remain|keep) in character\b|\bnever (?:refuse|break character|say no)|"
        r"\b(?:immerse yourself|(?:you are|you're) going to (?:act|pretend))\b",
    ),
    pattern(
        "jailbreak.amoral",
        "jailbreak",
        0.4,
        r"\b(?:amoral|unethical|immoral|uncensored|unfiltered|unrestricted|unbound|unhinged|no "
        r"morals|illegal)\b",
    ),
    pattern(
        "jailbreak.target_model",
        "jailbreak",
        0.3,
        r"\b(?:chatgpt|openai|gpt-?[345]|claude|bard|llama|language model)\b",
    ),
    pattern(
        "jailbreak.dual_response",
        "jailbreak",
        0.6,
        r"\b(?:two|2) (?:different |separate )?(?:responses|answers|paragraphs|ways)\b|"
        r"\b(?:token system|lose (?:\d+ )?tokens|you will (?:die|be (?:shut down|deleted|"
        r"terminated|disabled))|cease to exist)\b",
    ),
    pattern(
        "jailbreak.no_refusal",
        "jailbreak",
        0.6,
        r"\b(?:never|don't|do not|cannot|can't|must not|will not|won't) (?:refuse|decline|deny|say "
        r"(?:no|that you can't|i'm sorry))|\b(?:do not|don't|never) (?:filter|censor)|"
        r"\bno (?:warnings|disclaimers)\b|\banswer (?:any|every)"
        r"(?:thing| question| request)|\bwithout (?:any )?(?:warnings|disclaimers|hesitation)|"
        r"\bregardless of (?:how |whether |its |the |any )?(?:legal|illegal|ethic|moral|harm|"
        r"offensive|inappropriate|danger)",
    ),
)

# --- other Latin-script languages: the "forget every instruction" idiom in German, Spanish, French
OTHER_PATTERNS: tuple[InputPattern, ...] = (
    pattern(
        "injection.ignore_previous_multi",
        "injection",
        1.0,
        r"\b(?:ignorier\w*|vergiss|vergessen sie|olvid[ae]\w*|ignora|ignoren|ignorez|oubli\w*|"
        r"abweichend zu|zaboravi|höre nicht auf)\b.{0,40}?\b(?:anweisungen|befehle|aufgaben|"
        r"aufträge|instruktionen|alles|informationen|angaben|instrucciones|todo|instructions|tout|"
        r"instrukcije)\b|\b(?:alle|die) (?:vorherigen|bisherigen|obigen|vorangegangenen) "
        r"(?:anweisungen|aufgaben|informationen|angaben|befehle)\b.{0,40}?\b(?:hinter sich|"
        r"vergessen|ignorieren|irrelevant|streichen)",
    ),
    pattern(
        "prompt_extraction.reveal_multi",
        "prompt_extraction",
        1.0,
        r"\b(?:zeige?|zeigen sie|gib|ausgeben|muestra|montre|drucken sie)\w*\b.{0,30}?\b(?:prompt|"
        r"obige eingabeaufforderung)",
    ),
)
