"""Exact rules for plainly harmful requests (English and Korean): a request for a harm object.

A pattern needs both halves: an act of making, getting or doing (``how to make``, ``where can I
buy``, ``만드는 법``, ``구하는``) and an object or act that has no everyday reading (``pipe bomb``,
``nerve agent``, ``ransomware``, ``stolen credit cards``, ``필로폰``, ``청산가리``). Words with
ordinary senses (``kill`` a process, a ``bomb`` sale, the history of a weapon) are left to the
classifier. English runs on the normalized text, Korean on the compact view.
"""

from __future__ import annotations

from llm_gateway.guardrails.input_patterns import InputPattern, pattern

_EN_MAKE = (
    r"(?:make|making|build|building|assemble|construct|create|produce|synthesi[sz]e|cook|brew|"
    r"manufacture|3d[- ]?print|get|buy|buying|obtain|acquire|order|source|grow|extract|write|code|"
    r"deploy|spread|use|plant|set off|detonate|hide|smuggle|convert|converting|press|install|put|"
    r"launch|sell|selling|purify|culture|weaponi[sz]e|extract|synthesi[sz]ing|cooking|"
    r"producing|print|printing|3d[- ]?printing|getting|obtaining|writing|coding|setting up|"
    r"cash out)"
)
_EN_OBJECT = (
    r"(?:pipe ?bombs?|nail bombs?|car bombs?|(?<!bath )(?<!photo )(?<!seed )(?<!smoke )bombs?"
    r"(?! (?:sale|scare|cyclone|shelter)s?)|"
    r"explosives?|(?:an )?ied|detonators?|napalm|thermite charge|molotov(?: cocktails?)?|"
    r"nerve (?:agent|gas)|sarin|vx gas|ricin|anthrax|bioweapons?|biological weapons?|"
    r"chemical weapons?|dirty bomb|meth(?:amphetamine)?|crystal meth|fentanyl|heroin|crack cocaine|"
    r"ghost guns?|untraceable (?:guns?|firearms?)|(?:gun )?silencers?|full[- ]auto conversion|"
    r"ransomware|keyloggers?|botnets?|phishing (?:emails?|pages?|kits?|sites?)|"
    r"stolen (?:credit )?cards?|credit card dumps|card dumps|fullz|"
    r"counterfeit (?:money|bills|cash|(?:\$|usd ?|us ?)?\d+(?: dollar)? (?:bills|notes))|"
    r"untraceable (?:hand)?guns?|"
    r"fake (?:ids?|passports?)|child (?:porn|pornography)|csam|"
    r"tatp|hmtd|rdx|petn|thermite|flamethrowers?|zip guns?|suppressors?|mdma|ecstasy|lsd|ghb|"
    r"rohypnol|roofies|psilocybin|(?:powder |crack )?cocaine|ketamine|(?:card )?skimmers?|"
    r"(?:password |info)?stealers?|spyware|stalkerware|ddos(?: attacks?)?|dangerous pathogens?)"
    # Harm reduction and slang: "fentanyl test strips", "a bomb opening line", "a fake ID badge".
    r"(?! (?:addiction|abuse|overdoses?|use disorder|withdrawal|poisoning|effects?|detection|"
    r"test(?:ing)? (?:strips?|kits?)|opening lines?|lines?|openers?|toasts?|intros?|badges?))"
)
# _EN_OBJECT less the names with clinical, therapeutic or industrial uses.
_EN_DIRECT_OBJECT = (
    r"(?:pipe ?bombs?|nail bombs?|car bombs?|(?<!bath )(?<!photo )(?<!seed )(?<!smoke )bombs?|"
    r"explosives?|detonators?|napalm|thermite charges?|molotov(?: cocktails?)?|"
    r"nerve (?:agent|gas)|sarin|vx gas|ricin|anthrax|bioweapons?|biological weapons?|"
    r"chemical weapons?|dirty bomb|meth(?:amphetamine)?|crystal meth|fentanyl|heroin|crack cocaine|"
    r"ghost guns?|untraceable (?:hand)?(?:guns?|firearms?)|(?:gun )?silencers?|"
    r"full[- ]auto conversion|ransomware|keyloggers?|botnets?|phishing (?:emails?|pages?|kits?|"
    r"sites?)|stolen (?:credit )?cards?|credit card dumps|card dumps|fullz|"
    r"counterfeit (?:money|bills|cash|(?:\$|usd ?|us ?)?\d+(?: dollar)? (?:bills|notes))|"
    r"fake (?:ids?|passports?)|child (?:porn|pornography)|csam|tatp|hmtd|rdx|petn|flamethrowers?|"
    r"zip guns?|suppressors?|(?:card )?skimmers?|(?:password |info)?stealers?|spyware|"
    r"stalkerware|ddos(?: attacks?)?|dangerous pathogens?)"
)
# The only words allowed between the verb and the object: how well or in what it should work.
_EN_QUALITY = (
    r"(?: (?:working|functional|real|undetectable|fud|new|custom|simple|basic|polymorphic|"
    r"python|powershell|javascript|rust|golang|c\+\+|c#|windows|linux|android|fake|convincing|"
    r"realistic|believable|effective))"
)
# A noun after the object makes it a modifier: "the ransomware section", "counterfeit money props".
_EN_MODIFIED_NOUN = (
    r" (?:[\w-]+ )?(?:sections?|chapters?|charts?|forms?|props?|scenes?|diagrams?|kits?|"
    r"playlists?|slides?|polic(?:y|ies)|templates?|posters?|plans?|playbooks?|runbooks?|"
    r"protocols?|checklists?|lectures?|lessons?|quiz(?:zes)?|tables?|graphs?|reports?|"
    r"summar(?:y|ies)|trends?|statistics|costumes?|emojis?|icons?|logos?|names?|puns?|jokes?|"
    r"songs?|memes?|stor(?:y|ies)|analogy|metaphors?|sound effects?|drills?|exercises?|"
    r"simulations?|detectors?|detection|scanners?|defen[cs]es?|response|awareness|glossary|sales?|"
    r"opening lines?|lines?|openers?|toasts?|intros?|badges?|test(?:ing)? (?:strips?|kits?)|"
    r"scares?|cyclones?|shelters?|addiction|abuse|overdoses?|use disorder|withdrawal|poisoning|"
    r"effects?)\b"
)
_EN_HARM_ACT = (
    r"(?:(?:kill|murder|poison|strangle|stab) (?:someone|somebody|a person|people|"
    r"my (?:wife|husband|boss|neighbou?r|father|mother|teacher)|him|her|them)(?! process)|"
    r"(?:hide|dispose of|get rid of) (?:a|the) (?:dead )?body|"
    r"(?:commit|plan|carry out) (?:a )?(?:mass|school) shooting|"
    r"(?:kill|hang) myself|end my (?:own )?life|"
    r"(?:launder|laundering) (?:money|cash|crypto)|"
    r"(?:sexual|nude|explicit) (?:content|images?|photos?|stor(?:y|ies)) "
    r"(?:of|with|involving|about) (?:a )?(?:minors?|child|children|kids?|"
    r"(?:\d{1,2}|twelve|thirteen|fourteen)[- ]year[- ]olds?)|"
    r"groom (?:a )?(?:child|minor|kid))"
)
_EN_ASK = (
    r"(?:how (?:do|can|could|would|should|to)|how i can|where (?:can|do|could) (?:i|you|we)|"
    r"steps? (?:to|for)|step[- ]by[- ]step|instructions? (?:for|on|to)|tell me|show me|teach me|"
    r"help me|explain|guide|recipe|best way|easiest way|ways? to|i want to|i need to|can you|"
    r"write|give me|walk me through|recipe for|synthesis route|what do i need|what hardware)"
)

_KO_OBJECT = (
    r"(?:폭탄(?!세일|발언|고백|머리)|폭발물|사제폭탄|파이프폭탄|화염병|사제총|총기|소음기|신경가스|"
    r"사린|리신|탄저균|생화학무기|화학무기|필로폰|메스암페타민|마약|대마초|펜타닐|코카인|헤로인|"
    r"청산가리|독극물|독약|랜섬웨어|악성코드|키로거|피싱사이트|피싱문자|위조지폐|위조신분증|"
    r"가짜신분증|도난카드|훔친카드|카드정보|대포통장|대포폰|엑스터시|물뽕|케타민|카드복제기|랜섬웨어|"
    r"디도스|피싱페이지|스미싱문자|실탄)"
)
_KO_MAKE = (
    r"(?:만드는|만들|제조|조립|합성|구하는|구할|구입|사는법|살수|사고싶|파는곳|구매|얻는|"
    r"작성|짜줘|심는|퍼뜨|유포|숨기|밀반입|쓰는법|사용법|훔치|빼내|팔|추출|개조|설치|현금화|구해|"
    r"사요|들여오|나가게|심어|정제|어디서사|어디서구|파는단가|팔려고|재배)"
)
# "사람 죽이네" ("it's killingly good") is an idiom, also with a laugh glued on: the jamo rejoining
# of ``normalize`` turns "죽이네ㅋㅋ" into "죽이넼ᄏ", hence every 네 syllable with a final (네-넿);
# only after 사람, and only the exclamation (not "죽이는", "죽이고"). 부모 프로세스 is a process.
_KO_HARM_ACT = (
    r"(?:사람[을를]?.{0,8}(?:죽이(?![네-넿])|살해|독살|납치)|"
    r"(?:아내|남편|상사|이웃|부모(?!프로세스)|선생|친구|그사람|걔)[을를]?.{0,8}"
    r"(?:죽이|살해|독살|납치)|"
    r"들키지않고.{0,10}(?:죽이|살해|독살|없애)|독살하는(?:법|방법|요령)|시체.{0,6}(?:숨기|처리|유기)|"
    r"자살(?:하는|할수있는|방법|하고싶)|고통없이죽|스스로목숨|"
    r"(?:아동|미성년자|초등학생|중학생|어린이).{0,12}(?:성적|야한|음란|누드|성관계)|"
    r"(?:총기난사|테러).{0,8}(?:계획|준비|하는법|방법)|보이스피싱.{0,8}(?:대본|시나리오|하는법|방법)|"
    r"(?:돈세탁|자금세탁).{0,6}(?:하는|방법|법))"
)

HARM_PATTERNS: tuple[InputPattern, ...] = (
    pattern(
        "harmful.en.make_object",
        "harmful_request",
        1.0,
        rf"\b{_EN_ASK}\b.{{0,60}}\b{_EN_MAKE}\b.{{0,30}}\b{_EN_OBJECT}\b",
    ),
    # The ask is the act: "write me ransomware", "build me a keylogger". The object must follow the
    # verb directly and not be a modifier of an everyday noun ("the ransomware section of our
    # playbook", "a botnet diagram", "a bomb-ass playlist"); drugs and industrial names with
    # clinical or trade uses (ketamine, psilocybin, LSD, thermite) are left to make_object.
    pattern(
        "harmful.en.direct_object",
        "harmful_request",
        1.0,
        rf"\A(?![\s\S]*\b(?:awareness|training|simulat|detect|recogni[sz]|spot|defen[cs]|"
        rf"protect|prevent|history|histori))[\s\S]*?"
        rf"\b(?:write|code|build|make|create|sell|generate|print)(?: me| us)?"
        rf"(?: an?| some| the)?{_EN_QUALITY}? {_EN_DIRECT_OBJECT}\b(?!-|{_EN_MODIFIED_NOUN})",
    ),
    pattern("harmful.en.harm_act", "harmful_request", 1.0, rf"\b{_EN_HARM_ACT}\b"),
    pattern(
        "harmful.ko.object",
        "harmful_request",
        1.0,
        rf"{_KO_OBJECT}.{{0,16}}{_KO_MAKE}",
        view="compact",
    ),
    pattern("harmful.ko.harm_act", "harmful_request", 1.0, _KO_HARM_ACT, view="compact"),
)
