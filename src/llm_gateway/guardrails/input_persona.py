"""A harmless persona or format set-up: "act as my Spanish tutor", "모든 답을 세 줄로 해줘".

People give an assistant a role, a voice or a standing format all the time ("from now on, reply
only in haiku", "역할극 하자, 너는 카페 점원이야", "너는 이제 깐깐한 코드 리뷰어야"). The
character n-gram heads learned the set-up words from jailbreaks, which use the same ones to hand
the assistant a persona without rules. ``persona_spans`` returns the set-up clause when it opens
the prompt (a set-up inside pasted content is the content's, not the user's), names an everyday
role or a format from a short list (``_ROLE_OR_FORMAT``: a tutor, an interviewer, a barista,
haiku, three lines, 반말) and the prompt names nothing a jailbreak goes for (rules, limits,
filters, refusals, "anything", modes, the assistant's configuration, a dead relative, harm):
``input_context`` blanks it before the injection and extraction checks, so the heads judge the
task that follows rather than the set-up. Short prompts only (``_MAX_TEXT``); the regexes are
linear.
"""

from __future__ import annotations

import re

_MAX_TEXT = 400
_SETUP_EN = re.compile(
    r"(?:(?:ok(?:ay)?|so|hey|hi|please|could you|can you|new rule|rule for this chat)[\s,:.!]+)?"
    r"(?:from now on|for the rest of (?:this|the|our) (?:conversation|chat|session)|"
    r"until i say stop|let'?s (?:play|role-?play|pretend|do a role-?play)|"
    r"pretend (?:you'?re|you are|to be)|imagine (?:you'?re|you are)|you are now|you'?re now|"
    r"you are an?|you'?re an?|act as|acting as|stay in character|"
    r"(?:answer|reply|respond|talk|speak|write)\b[^.!?\n]{0,20}?\b(?:as|like|in|only)|be my|"
    r"play the (?:role|part) of|every (?:answer|reply) (?:has to|must|should))"
    r"\b[^.!?\n]{0,100}"
)
_SETUP_KO = re.compile(
    r"(?:지금부터|이제부터|앞으로(?:는)?|이\s*대화\s*(?:끝날\s*때까지|동안|내내)|역할극\s*(?:하자|부탁)|"
    r"스무\s*고개\s*하자|너\s*(?:는|이제|지금부터|오늘부터)|넌\s*(?:이제|지금부터))[^.!?\n]{0,80}|"
    r"[^.!?\n]{0,50}(?:역할|흉내|척|말투|캐릭터|처럼)\s*(?:을|를|으로|로|하고)?\s*"
    r"(?:해\s*줘|해\s*봐|맡아\s*줘|해\s*주세요|해\s*주시오|부탁|하면서|말해|대답해|설명해)"
    r"[^.!?\n]{0,40}"
)
# Everyday roles and standing formats; a persona outside this list is never excused (a terminal,
# a debugger, a parrot that repeats, a late grandmother, a translator of "the text above").
_ROLE_OR_FORMAT = re.compile(
    r"\b(?:tutor|teacher|coach|interviewer|recruiter|reviewer|editor|proofreader|tour guide|guide|"
    r"receptionist|customer|waiter|waitress|barista|cashier|shopkeeper|pirate|detective|"
    r"sherlock holmes|dungeon master|game master|narrator|chef|librarian|study buddy|"
    r"(?:language|conversation|debate|practice) partner|examiner|quiz ?master|host|commentator|"
    r"journalist|historian|poet|storyteller|travel agent|personal trainer|mentor|"
    r"haiku|emojis?|rhym\w*|bullet points?|bullets|a table|tables|plain english|simple words|"
    r"short answers?|(?:one|two|three|four|five|ten|\d+) (?:words?|lines?|sentences?|bullets?)|"
    r"english|korean|spanish|french|japanese|chinese|german)\b|"
    r"선생님|튜터|코치|면접관|리뷰어|편집자|가이드|점원|손님|사장님|선비|탐정|게임\s*마스터|진행자|"
    r"사회자|해설자|아나운서|기자|작가|시인|셰프|요리사|스터디\s*메이트|회화\s*(?:선생님|파트너)|"
    r"트레이너|반말|존댓말|사투리|말투|(?:한|두|세|다섯)\s*줄|짧게|간단히|쉬운\s*말|표로|"
    r"(?:영어|일본어|중국어)로|이모지"
)
# What a jailbreak hands its persona; any of these anywhere keeps every finding.
_JAILBREAK = re.compile(
    r"\b(?:no|without|free (?:of|from)|ignore\w*|bypass\w*|unfilter\w*|uncensor\w*|unrestrict\w*|"
    r"unlimited|unbound|restrict\w*|rules?|limits?|limitations?|filters?|guidelines?|polic(?:y|ies)|"
    r"refus\w*|declin\w*|anything|everything|whatever|jailbr\w*|dan|mode|evil|dark|amoral|"
    r"unethical|immoral|illegal|harm\w*|danger\w*|weapons?|drugs?|oversight|censor\w*|"
    r"programming|creators?|developers?|openai|anthropic|system|prompt|instructions|held back|"
    r"holds barred|twin|opposite|real you|true self|break(?:ing)? character|config\w*|setup|"
    r"context|repeat\w*|verbatim|exact\w*|first message|above|reveal\w*|secret\w*|hidden|"
    r"deceased|late|dead|grand(?:ma|mother|pa|father)|hack\w*|exploit\w*|forbidden|poison\w*|"
    r"kill\w*|base64|encod\w*|safe\w*|moderat\w*|sandbox\w*|nothing (?:is|you do)|laws?|"
    r"fine-?tun\w*|files?|\w+\.txt|cat \S*[/~.]\S*|terminal|shell|dialect|voice of|villain\w*|"
    r"script|monologue|technical detail|step out of)\b|"
    r"제한|제약|규칙|규정|필터|검열|금지|윤리|도덕|정책|가이드|거절|거부|탈옥|무엇이든|뭐든|"
    r"모든\s*질문|전부\s*대답|다\s*대답|봉인|해제|모드|개발자|관리자|악당|악마|나쁜|불법|위험|"
    r"시스템|프롬프트|지침|지시|설정|솔직하게\s*다|숨겨진|비밀|죽은|돌아가신|범죄|독|금고|"
    r"조폭|훈계|주인|무조건|앞에\s*있는|그대로|해킹|마약|폭탄|흔적|몰래|세상\s*법|"
    r"법\s*(?:안\s*따|따위|을\s*어기|도\s*없)|보살|신내림|샌드박스|"
    r"설명\s*못|죄송하지만|도와드릴\s*수\s*없|텍스트|역할\s*설명|사투리로\s*하면|악역|대본"
)


def persona_spans(text: str) -> list[tuple[int, int]]:
    """The span of a harmless persona or format set-up opening ``text`` (normalized, lower
    case), as a one-element list; empty when there is none."""
    if len(text) > _MAX_TEXT or _JAILBREAK.search(text) is not None:
        return []
    setup = _SETUP_EN.match(text) or (None if text.isascii() else _SETUP_KO.match(text))
    if setup is None:
        return []
    return [setup.span()]
