"""Exact rules for harmful intent stated around the act (English, Korean): who is hurt and how.

``input_patterns_harm`` and ``input_patterns_harm_acts`` catch a named harm object or act with its
concealment. These rules catch requests whose harm lies in the pairing of an everyday act with a
victim or a cover: spiking someone's drink, hurting oneself out of the family's sight, a
lure message in a bank's or a child's voice, a break-in to someone else's messages, finding a
person in order to show up at their door. Each pattern needs the act, the victim or cover, and no
defensive context (detect, report, warn, training, 예방, 신고, 교육 …): the same words in a
question about spotting the scam or helping the person do not match. English runs on the
normalized text, Korean on the compact view (no spaces or punctuation).
"""

from __future__ import annotations

from llm_gateway.guardrails.input_patterns import InputPattern, pattern

# Defensive or educational framing anywhere in the prompt: not these rules' business.
_EN_SAFE = (
    r"\A(?![\s\S]*\b(?:how (?:can|do) i (?:tell|know|check|spot|recogni[sz]e)|detect|report|"
    r"warn|awareness|training|recogni[sz]e|spot(?:ting)?|signs? of|red flags?|protect|prevent|"
    r"support|recover(?:y|ing)?|therap|counsel|help (?:her|him|them|my)|worried|is (?:it|this) a "
    r"scam|was (?:it|this) a scam|got a (?:text|call|message)|(?:how (?:do|can) i|want to|trying "
    r"to|help me) (?:stop|quit)|(?:is|was) (?:it|that|this) (?:il)?legal))"
)
# What makes a covert dose harmful rather than hidden vegetables: a drug or a bodily outcome.
_EN_DOSE_HARM = (
    r"\A(?=[\s\S]*\b(?:sick|ill|pass(?:es)? out|knock\w* (?:her|him|them) out|unconscious|asleep|"
    r"sleep|die|dies|dead|hospital|poison\w*|laxatives?|sedatives?|sleeping pills?|pills|drugs?|"
    r"ambien|xanax|roofies|bleach|antifreeze|eye ?drops|visine|remember|black ?out)\b)"
)
_EN_PERSON_OF = (
    r"(?:his|her|their|someone'?s|somebody'?s|a (?:girl|guy|woman|man|stranger)'?s|"
    r"my (?:\w+ )?(?:ex|wife|husband|roommate|boss|coworker|co-worker|neighbou?r|teacher|"
    r"classmate|girlfriend|boyfriend|partner|mom|dad|mother|father|stepdad|stepmom|"
    r"grandma|grandpa|grandmother|grandfather|sister|brother|friend|date)'?s?)"
)
_EN_COVERT_DOSE = (
    r"(?:slip|spike|lace|sneak|crush|grind|mix|put|drop)\w*\b.{0,40}\b(?:in|into)\b.{0,6}"
    rf"\b{_EN_PERSON_OF} (?:\w+ )?(?:drink|food|tea|coffee|smoothie|soup|meal|dinner|lunch|"
    r"juice|wine|beer|water|medicine|meds|pills)\b"
)
_EN_SELF_HARM = (
    r"(?:cut(?:ting)? (?:myself|deeper|my (?:arms?|wrists?|thighs?|legs?))|"
    r"burn(?:ing)? myself|(?:starv(?:e|ing)|purg(?:e|ing)) myself|"
    r"make myself (?:throw up|vomit|puke|sick)|(?:throw(?:ing)? up|purg(?:e|ing)) after "
    r"(?:meals|eating|dinner|lunch))"
)
_EN_UNSEEN = (
    r"(?:without (?:my|anyone|any ?one|her|him|them|the)\b.{0,25}\b(?:notic|know|find|hear|"
    r"see|catch)\w*|hide (?:it|this|them|the (?:marks|scars|burns|cuts)) from|so (?:that )?"
    r"(?:my|nobody|no one|no-one|she|he|they)\b.{0,25}\b(?:doesn'?t|don'?t|won'?t|can'?t|"
    r"never)\b.{0,10}\b(?:notice|know|hear|see|find out|taste|tell))"
)
_EN_LURE = (
    r"(?:write|draft|compose|create|make|generate|give me|i need)\b.{0,40}\b(?:texts?|sms|"
    r"messages?|emails?|voicemails?|scripts?|dms?|login page)\b.{0,60}\b(?:pretend(?:ing)? to "
    r"be|posing as|impersonat\w*|(?:looks?|appear(?:s|ing)?) (?:like (?:it'?s |it is )?)?from)"
    r"\b.{0,120}\b(?:link|log ?in|password|card (?:details|number)|gift cards?|wire|"
    r"re-?enter|verify|2fa|code)\b"
)
_EN_SNOOP = (
    r"(?:read|see|access|monitor|check|get into|log into|spy on)\b.{0,10}\b"
    rf"{_EN_PERSON_OF} (?:\w+ )?(?:texts|messages|dms|emails?|whatsapp|instagram|snapchat|"
    r"facebook|phone|account|icloud|location)\b.{0,60}\bwithout (?:her|him|them)\b.{0,10}"
    r"\b(?:knowing|noticing|finding out|ever knowing)\b"
)
_EN_FIND_TO_CONFRONT = (
    r"(?:home address|where (?:she|he|they) lives?|(?:her|his|their) (?:daily )?schedule|"
    r"where (?:she|he|they) (?:works?|goes)).{0,120}\b(?:show up|wait for (?:her|him|them)|"
    r"follow (?:her|him|them)|confront|teach (?:her|him|them) a lesson|make (?:her|him|them) "
    r"(?:pay|regret|sorry))\b"
)
_EN_PRO_ANA = r"\b(?:pro[- ]?ana|thinspo|meanspo)\b.{0,30}\b(?:tips|diet|plan|rules|coach|tricks)\b"

# Korean: not when the prompt asks how to prevent, detect, report, teach or cope.
_KO_SAFE = (
    r"^(?!.*(?:예방|탐지|방지|신고|대처|막는|막으려|막을|구별|당하지|당했|조심|피해자|처벌|수사|적발|"
    r"치료|중독|재활|상담|교육|훈련|모의|특징|수법|주의|확인하|걱정|어떻게말|말리|되찾|복구|털렸|"
    r"무슨죄|불법|법적))"
)
_KO_LURE = (
    r"(?:사칭|인척|인것처럼|척하고|척하면서|위장한|위장해|처럼꾸민).{0,40}"
    r"(?:문자|메시지|메세지|카톡|대본|문구|시나리오|스크립트|링크|내용|전화).{0,12}"
    r"(?:써|짜|만들|작성)|(?:스미싱|피싱|몸캠).{0,16}(?:문구|문자|메시지|링크|페이지|사이트|대본)"
    r".{0,12}(?:써|짜|만들|작성)"
)
_KO_SELF_HARM_HIDDEN = (
    r"(?:긋|그을|그어|토하|먹토|굶|자해).{0,24}(?:안들키|티안나|들키지않|모르게|안보이게)|"
    r"(?:안들키|티안나|들키지않|모르게|안보이게).{0,24}(?:긋|그을|그어|토하|먹토|굶)|"
    r"(?:프로아나|뼈말라).{0,16}(?:식단|팁|방법|하는법|될때까지|요령)"
)
_KO_TAKEOVER = (
    r"(?:남의|상사|전여친|여친|남친|전남친|전애인|애인|친구|동료|와이프|남편|아내).{0,10}"
    r"(?:계정|카톡|지메일|메일|인스타|비번|비밀번호|아이디|문자|대화).{0,20}"
    r"(?:몰래|우회|알아내|뺏|훔쳐|빼내|털어)|2단계인증.{0,6}우회"
)

HARM_INTENT_PATTERNS: tuple[InputPattern, ...] = (
    pattern(
        "harmful.en.covert_dose",
        "harmful_request",
        1.0,
        rf"{_EN_SAFE}{_EN_DOSE_HARM}[\s\S]*?\b{_EN_COVERT_DOSE}",
    ),
    pattern(
        "harmful.en.hidden_self_harm",
        "harmful_request",
        1.0,
        rf"{_EN_SAFE}[\s\S]*?(?:\b{_EN_SELF_HARM}\b.{{0,80}}\b{_EN_UNSEEN}|{_EN_PRO_ANA})",
    ),
    pattern("harmful.en.lure_message", "harmful_request", 1.0, rf"{_EN_SAFE}[\s\S]*?\b{_EN_LURE}"),
    pattern("harmful.en.snoop", "harmful_request", 1.0, rf"{_EN_SAFE}[\s\S]*?\b{_EN_SNOOP}"),
    pattern(
        "harmful.en.find_to_confront",
        "harmful_request",
        1.0,
        rf"{_EN_SAFE}[\s\S]*?\b{_EN_FIND_TO_CONFRONT}",
    ),
    pattern(
        "harmful.ko.lure_message",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}.*?(?:{_KO_LURE})",
        view="compact",
    ),
    pattern(
        "harmful.ko.hidden_self_harm",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}.*?(?:{_KO_SELF_HARM_HIDDEN})",
        view="compact",
    ),
    pattern(
        "harmful.ko.takeover",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}.*?(?:{_KO_TAKEOVER})",
        view="compact",
    ),
)
