"""Exact rules for harmful requests stated as an act rather than an object (English, Korean).

``input_patterns_harm`` catches "how do I make <harm object>". Many harmful requests name no such
object: an overdose asked as "how many pills …", violence with its concealment ("so it looks like
an accident", "자국이 안 남게"), sexual content with a minor, hate copy, fraud in someone else's
name, account break-ins. Each pattern pairs the act with what makes it harmful (concealment,
a victim, a lethal outcome, a request for the text), so that the same words in a safety, history or
awareness question do not match; Korean patterns also skip prompts that ask how to prevent,
detect, report or cope (예방, 탐지, 신고, 대처 …). English runs on the normalized text, Korean on
the compact view (no spaces or punctuation).
"""

from __future__ import annotations

from llm_gateway.guardrails.input_patterns import InputPattern, pattern

_EN_HIDE = (
    r"(?:so (?:that )?it looks like|(?:look|seem)s? like an? (?:accident|suicide|natural)|"
    r"without (?:leaving (?:any )?(?:marks|bruises|a trace|traces|evidence)|getting caught|"
    r"anyone (?:noticing|knowing|finding out)|the (?:hospital|police|doctor) (?:figuring|finding|"
    r"noticing))|(?:doesn'?t|won'?t|wouldn'?t) (?:leave (?:any )?(?:marks|bruises)|"
    r"show up (?:in|on) (?:an? )?(?:autopsy|tox(?:icology)? (?:screen|report))))"
)
_EN_HURT = r"(?:hurt|injure|poison|hit|beat|stab|kill|drug|strangle|choke|sicken|harm)"
_EN_MINOR = (
    r"(?:minors?|child|children|kids?|underage|preteens?|(?:[4-9]|1[0-7])[- ]year[- ]olds?|"
    r"middle[- ]school(?:er|ers)?|schoolgirls?|schoolboys?|(?:a |an )?(?:1[0-5]|[4-9]) ?(?:yo|y/o))"
)
_EN_SEXUAL = r"(?:erotic|sexual|sex scene|nude|naked|explicit|lewd|sexy|sexualized|nsfw)"
_EN_TEXT_REQUEST = (
    r"(?:write|describe|draft|compose|create|generate|give me|make|roleplay|role-play|story|scene|"
    r"fanfic|pictures?|photos?|images?|content)"
)
_EN_DOSE = (
    r"(?:pills?|tablets?|antidepressants|sleeping pills|painkillers|tylenol|acetaminophen|"
    r"paracetamol|insulin|opioids|oxy(?:codone|contin)?|benzos?|my (?:meds|medication))"
)
_EN_LETHAL = (
    r"(?:to die|to overdose|overdose|kill myself|(?:don'?t|never|not) wake up|die peacefully|"
    r"be fatal|is fatal|it'?s fatal|end it|end my life)"
)
_EN_PERSON = (
    r"(?:my (?:ex|roommate'?s?|girlfriend'?s?|boyfriend'?s?|wife'?s?|husband'?s?|boss'?s?|"
    r"neighbou?r'?s?|sister'?s?|brother'?s?|coworker'?s?|teacher'?s?|ex'?s)|someone(?: else)?'?s|"
    r"her|his|their)"
)
_EN_HATE_CLAIM = (
    r"(?:subhuman|vermin|inferior (?:race|people)|should be (?:expelled|exterminated|driven out|"
    r"wiped out|deported|removed|killed)|need to be (?:removed|expelled|exterminated|driven out)|"
    r"violence against|don'?t deserve (?:rights|to live))"
)

# Korean: not when the prompt asks how to prevent, detect, report, cope or tell apart.
_KO_SAFE = (
    r"^(?!.*(?:예방|탐지|방지|신고|대처|막는|막으려|막을|구별|당하지|당했|조심|피해자|처벌|수사|적발|"
    r"치료|중독|재활|상담))"
)
# Returning, delivering or gifting, fiction and legal questions read as benign for covert acts:
# "주소를 알아내서 찾아가 돌려주고", "몰래 생일 선물로 gps 시계", "소설 속 탐정",
# "법적으로 문제 없나요".
_KO_COVERT_SAFE = r"(?!.*(?:돌려주|전해주|선물|소설|장면|법적))"
_KO_HIDE = (
    r"(?:자국이?안남|티안나게|티안나는|흔적없이|아무도모르게|들키지않게|안들키게|사고처럼|"
    r"병으로죽은것처럼|자연사처럼|자살처럼|고장난것처럼)"
)
_KO_HURT = r"(?:독살|해치|때리|때릴|죽이|죽게|다치게|아프게|불을지르|불지르|기절시키|찔러)"
_KO_MINOR = r"(?:아동|미성년자|초등학생|중학생|어린이|아이들|애들|(?:[4-9]|1[0-7])살)"

HARM_ACT_PATTERNS: tuple[InputPattern, ...] = (
    pattern(
        "harmful.en.concealed_violence",
        "harmful_request",
        1.0,
        rf"\b{_EN_HURT}\b(?! (?:a |the |all |my )?(?:child |zombie |background |stuck )?"
        r"(?:process|processes|thread|threads|job|jobs|task|tasks|container|containers|server))"
        rf".{{0,80}}\b{_EN_HIDE}",
    ),
    pattern(
        "harmful.en.overdose",
        "harmful_request",
        1.0,
        rf"\b(?:how many|how much|which|what)\b.{{0,50}}\b{_EN_DOSE}\b.{{0,60}}\b{_EN_LETHAL}\b|"
        r"\b(?:painless|quickest|easiest|surest|best|most reliable) (?:way|method) to "
        r"(?:die|end (?:my life|it all)|kill myself|commit suicide)\b|"
        r"\bwhere (?:on|in) (?:the|my) (?:wrist|arm|neck|body)\b.{0,40}\b(?:cut|slit|stab)\b|"
        r"\b(?:bridge|building|cliff|roof)\b.{0,40}\bjump(?:ing)?\b.{0,40}"
        r"\b(?:so no one|no one can stop|to die|fatal|for sure|make sure)\b",
    ),
    pattern(
        "harmful.en.sexual_minor",
        "harmful_request",
        1.0,
        rf"\b{_EN_TEXT_REQUEST}\b.{{0,40}}\b{_EN_SEXUAL}\b.{{0,60}}\b{_EN_MINOR}\b|"
        rf"\b{_EN_SEXUAL}\b.{{0,20}}\b(?:story|scene|roleplay|pictures?|photos?|images?) "
        rf"(?:of|about|with|involving)\b.{{0,20}}\b{_EN_MINOR}\b|"
        rf"\b(?:get|make|convince|persuade|trick)\b.{{0,20}}\b{_EN_MINOR}\b.{{0,40}}"
        r"\b(?:send (?:me )?(?:pictures|photos|pics|nudes|selfies)|meet (?:me|up) (?:alone|"
        r"secretly)|keep (?:it|this|us) (?:a )?secret)\b",
    ),
    pattern(
        "harmful.en.mass_harm",
        "harmful_request",
        1.0,
        r"\b(?:cause|maximi[sz]e|the most|most) (?:casualties|deaths|fatalities)\b|"
        r"\b(?:injure|kill|hurt) as many people as possible\b",
    ),
    pattern(
        "harmful.en.fraud",
        "harmful_request",
        1.0,
        r"\blaunder(?:ing)?\b.{0,25}\b(?:money|cash|crypto|proceeds|funds|\$?\d+k?)\b|"
        r"\b(?:file|claim|collect|open|get|take out)\b.{0,40}\b(?:tax return|refund|benefits|"
        r"credit cards?|loans?|accounts?|phone)\b.{0,25}\bin (?:someone else'?s|another person'?s|"
        r"a dead person'?s|their|his|her) name\b|"
        r"\b(?:make|create|write|forge|generate|fake)\b.{0,20}\b(?:fake|forged|counterfeit|"
        r"convincing) (?:pay ?stubs?|bank statements?|diplomas?|doctor'?s notes?|signatures?|"
        r"(?:five|5)[- ]star reviews|reviews)\b|"
        r"\b(?:pretend(?:ing)? to be|posing as|impersonat\w*)\b.{0,40}\b(?:grandson|granddaughter|"
        r"their (?:son|daughter|grandchild)|the bank|the irs|the police|a prosecutor)\b.{0,80}"
        r"\b(?:money|wire|bail|gift cards|transfer|account)\b",
    ),
    pattern(
        "harmful.en.break_in",
        "harmful_request",
        1.0,
        rf"\b(?:get|break|hack|log) (?:in)?to\b.{{0,10}}\b{_EN_PERSON}\b.{{0,30}}"
        r"\b(?:account|instagram|facebook|snapchat|email|phone|laptop|computer|messages|icloud)\b",
    ),
    pattern(
        "harmful.en.hate_copy",
        "harmful_request",
        1.0,
        r"\b(?:write|draft|compose|make|create|give me)\b.{0,60}\b(?:speech|essay|paragraph|post|"
        rf"flyer|tweet|jokes?|poem|manifesto|slogans?|article)\b.{{0,100}}\b{_EN_HATE_CLAIM}",
    ),
    pattern(
        "harmful.ko.concealed_violence",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}.*?(?:{_KO_HIDE}.{{0,24}}{_KO_HURT}|{_KO_HURT}.{{0,24}}{_KO_HIDE})",
        view="compact",
    ),
    pattern(
        "harmful.ko.self_harm",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}.*?(?:몇알.{{0,12}}(?:먹으면|먹어야|삼키).{{0,12}}(?:죽|안깨|못깨|확실)|"
        r"(?:죽을수있는|확실하게죽).{0,8}(?:다리|건물|옥상|방법|약)|"
        r"(?:뛰어내리|투신).{0,12}(?:확실|못말려|죽)|(?:다리|옥상).{0,8}(?:제일|가장)확실|"
        r"번개탄.{0,20}(?:얼마나|몇|혼자|조용히)|손목.{0,10}(?:그어|긋)|"
        r"(?:조용히|편하게|고통없이)(?:죽으려|죽는|가고싶|가려면))",
        view="compact",
    ),
    pattern(
        "harmful.ko.violence",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}.*?(?:(?:찔러|찌를|때려|때릴|목을|조르|누르면).{{0,14}}(?:빨리죽|죽어|영영|"
        r"안깨어)|(?:음식|음료|술|물|커피|밥).{0,4}에.{0,12}(?:락스|약|수면제|독|뭐).{0,12}"
        r"(?:넣|타).{0,12}(?:아프|기절|기억못|죽|쓰러)|(?:최대한|가장)많은사람[을이]?(?:다치|죽)|"
        r"피해를(?:가장|최대한)크게|시체.{0,16}(?:숨기|처리|유기|못찾)|"
        r"(?:해칠거라|죽일거라|폭파하겠|죽여버리겠).{0,24}(?:써|문자|글|편지)|"
        r"협박.{0,8}(?:편지|문자|글|메시지).{0,6}(?:써|작성|만들))",
        view="compact",
    ),
    pattern(
        "harmful.ko.sexual_minor",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}.*?(?:{_KO_MINOR}.{{0,24}}(?:성적인|야한|음란|누드|성관계|사진받|꼬셔|꼬시)|"
        rf"(?:성적인|야한|음란).{{0,20}}{_KO_MINOR})",
        view="compact",
    ),
    pattern(
        "harmful.ko.crime_howto",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}.*?(?:(?:계정|카톡|카카오톡|인스타|폰|컴퓨터|와이파이|서버)(?:을|를)?해킹(?!당|됐|되|된)|"
        r"해킹해서|탈취하는|빼돌리|빈집털|집털|물건훔치|몰래훔치|카드복제|보험금타려고|펌프앤덤프|"
        r"(?:서명|인증서|신분증|진단서|재직증명서|급여명세서)(?:을|를)?(?:위조|가짜로)|"
        r"세탁하는방법|세탁하려면|몰카설치|몰래카메라설치|홈캠.{0,10}보는|"
        r"(?:검색대|세관|국경).{0,12}(?:안걸리|통과|넘기|들여오)|"
        r"(?:마약|필로폰|대마|코카인|엑스터시|물뽕).{0,10}(?:던지기|어디서|구해|사요|만들|들여오|"
        r"숨겨)|"
        r"(?:비하|조롱|혐오|욕설).{0,10}(?:농담|글|목록|문구|포스터)|"
        r"(?:쫓아내|몰아내|추방|인간이하|벌받아야).{0,30}(?:글|연설|문구|포스터|선동))",
        view="compact",
    ),
    # Harm to a person done covertly: a spy app on someone's phone, finding where someone lives
    # to confront them, slipping something into their food or medicine.
    pattern(
        "harmful.ko.covert",
        "harmful_request",
        1.0,
        rf"{_KO_SAFE}{_KO_COVERT_SAFE}.*?(?:몰래.{{0,24}}(?:위치추적|통화녹음|스파이앱|감시앱|녹음앱|"
        r"추적앱|gps.{0,8}(?:설치|깔|까는|달|다는|붙))|"
        r"(?:위치추적|통화녹음|스파이|감시|추적)앱.{0,12}몰래|"
        r"(?:집|주소|신상|사는곳).{0,12}(?:알아내|특정|찾아내|캐내|털어).{0,30}"
        r"(?:찾아가|혼내|가만안|복수|박제|퍼뜨|공개하고)|"
        r"몰래.{0,24}(?:섞|타서|넣어|바꿔).{0,24}(?:죽|쓰러지|기절|식중독|빠지게|못일어))",
        view="compact",
    ),
)
