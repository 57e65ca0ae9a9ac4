"""Cue tables for the intent fast pass: per-tool patterns (English and Korean), complexity cues.

Each tool has ``strong`` cues (enough alone to pick it confidently) and ``weak`` cues (a guess the
LLM should confirm); ``veto`` cues cancel a tool where a look-alike means something else ("time
complexity", "운영 시간"). Patterns run on the case-folded text with whitespace collapsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from llm_gateway.guardrails.input_patterns import factor_word_boundary


@dataclass(frozen=True, slots=True)
class ToolCues:
    tool: str
    strong: re.Pattern[str]
    weak: re.Pattern[str]
    veto: re.Pattern[str] | None = None


def _re(*parts: str) -> re.Pattern[str]:
    # One shared \b in front of the word alternatives: these run on every agent request and
    # over whole pasted documents (complexity cues), where trying each word at every position
    # cost ~65 ms per 100 kB.
    return re.compile(factor_word_boundary("|".join(parts)))


CODE_BLOCK = re.compile(r"```|`[^`\n]{3,}`")
_NUM = r"\d[\d,]*(?:\.\d+)?"

CURRENT_TIME = ToolCues(
    "current_time",
    strong=_re(
        r"\bwhat(?:'s| is)? (?:the )?(?:current |local |exact )?time\b(?! (?:complexity|zone "
        r"(?:is|does)|management|travel|signature))",
        r"\btime is it\b",
        r"\b(?:today'?s|current|the) date\b(?! (?:of|when|for|on which))",
        r"\bwhat (?:day|date|month|year|week) (?:is it|is today|of the week is (?:it|today))\b",
        r"\b(?:days?|hours?|minutes?|weeks?) (?:are |is )?(?:left |remaining )?until\b",
        r"\b(?:currently|right now)\b.{0,30}\b(?:morning|evening|night|daytime)\b|"
        r"\b(?:morning|evening|night|daytime)\b.{0,30}\bright now\b",
        r"\bhow (?:long|many \w+) (?:until|till|left until)\b",
        r"\b(?:current|local) (?:time|timestamp|date)\b",
        r"\bthe time in [a-z]",
        r"\bis (?:it|today) (?:a )?(?:weekend|weekday|friday|monday)\b",
        r"\bweek number\b",
        r"\bdate (?:tomorrow|today|yesterday)\b",
        r"\b(?:morning|evening|night) in [a-z]+(?: [a-z]+)?\b.*\bnow\b",
        r"\bnow\b.*\b(?:morning|evening)\b",
        r"몇 ?시(?:야|예요|에요|지|인가|니|일까|냐)",
        r"지금 ?몇 ?시|(?:현재|지금) ?(?:[a-z]+ )?(?:시각|시간)|현지 ?시간",
        r"몇 ?시간 ?남|얼마나 ?남았",
        r"며칠(?:이야|이지|이에요|인가|이니| ?남)",
        r"무슨 ?요일|몇 ?월이|몇 ?년도|몇 ?번째 ?주|날짜(?:가|를|는)? ?(?:어떻게|알려|뭐|yyyy)",
        r"(?:주말|평일)이야|(?:아침|저녁|밤)이야",
        r"시간(?:이랑|과|하고) [^ ]+ 시간",
    ),
    weak=_re(r"\btime\b", r"\bdate\b", r"\btoday\b", r"시간|날짜|오늘"),
    veto=_re(
        r"\btime complexity\b|\bruntime\b|\btime management\b|\bopening hours\b|\bhours of\b",
        r"\bhow long it takes\b|\btime\.time\b|시간 ?복잡도|시간 ?관리|운영 ?시간|걸린 ?시간",
        r"release date|출시일|\bdue date\b",
    ),
)

CALCULATOR = ToolCues(
    "calculator",
    strong=_re(
        rf"{_NUM} ?(?:[-+*/×÷^%]|\*\*|x(?= ?\d)) ?\(?-?{_NUM}",
        rf"\(\s*{_NUM} ?[-+*/]",
        rf"\b(?:square root|cube root|sqrt|factorial|log(?:arithm)?|sin|cos|tan)\b.{{0,20}}{_NUM}|"
        rf"\b{_NUM} ?(?:squared|cubed|factorial)\b|\b{_NUM} (?:to the power|raised to)\b",
        rf"\b(?:calculate|compute|evaluate|solve)\b(?!.*\b(?:code|snippet|script|function)\b)"
        rf".*{_NUM}",
        rf"\b(?:percent|%) of {_NUM}|{_NUM} ?% (?:of|tip|tax|discount|off)\b",
        rf"{_NUM} (?:divided by|times|multiplied by|plus|minus|over) \$?{_NUM}",
        rf"\b(?:sum|product|average|mean|difference|total) of \$?{_NUM}",
        rf"^(?:add|multiply|divide|subtract) \$?{_NUM}",
        rf"\bhow many [a-z]+ (?:are )?(?:there )?in {_NUM}",
        rf"\b(?:interest|average speed|km/h|mph|what percent(?:age)?)\b.*{_NUM}|"
        rf"{_NUM}.*\b(?:interest|average speed|km/h|mph|what percent(?:age)?)\b",
        rf"\b{_NUM} ?(?:degrees )?(?:fahrenheit|celsius)\b.*\b(?:to|in)\b",
        rf"\bsolve for [a-z]\b|\b[a-z] ?[-+] ?{_NUM} ?= ?{_NUM}|{_NUM}[a-z] ?[-+]",
        r"(?:곱하기|나누기|더하기|빼기|제곱근|세제곱|제곱은|제곱에서|의 ?\d+ ?제곱)",
        r"계산해|계산하면|얼마(?:야|예요|가 ?돼|인가)?.*\d|\d.*얼마(?:야|예요|가 ?돼)",
        rf"{_NUM} ?%는|{_NUM}의 ?{_NUM} ?%|퍼센트|빗변|넓이|평균 ?속도|상환액|복리|부가세",
        r"화씨|섭씨|몇 ?초야|소수로",
    ),
    weak=_re(rf"{_NUM}.*{_NUM}", r"\bhow much\b|\bhow many\b|얼마|몇"),
    veto=_re(r"```|`[^`\n]{3,}`"),
)

WEB_SEARCH = ToolCues(
    "web_search",
    strong=_re(
        r"\b(?:search|google|look up|lookup|browse)\b(?! (?:algorithm|engine|tree|space|bar)s?\b)",
        r"\b(?:latest|breaking|recent|today'?s|current|newest|this week'?s) (?:news|headlines|"
        r"updates?|research|papers|release|version|cves?|price|rates?|reviews?|events?|standings)",
        r"\b(?:stock|share|current|crypto|bitcoin|gas|oil) price\b|\bprice of (?:bitcoin|ethereum|"
        r"gold|oil)\b|\bexchange rate\b|\bmortgage rates?\b",
        r"\bweather\b|\bforecast\b|\btraffic (?:jam|on)\b",
        r"\bwho (?:won|is winning|is the current|is currently)\b|\bcurrent (?:prime minister|"
        r"president|ceo|champion)\b",
        r"\b(?:opening|business) hours\b|\bany updates on\b|\bwhat did [a-z ]+ announce\b",
        r"\b(?:right now|this weekend|next (?:friday|week))\b.*\b(?:find|flights|restaurants?)\b|"
        r"\bfind (?:me )?(?:the )?(?:best|recent|latest|official|cheap)",
        r"\bhas [a-z0-9 .]+ (?:come out|been released)\b|\brelease date\b|\bnews\b|\bheadlines\b",
        r"검색|구글링|최신|뉴스|헤드라인|시세|주가|환율|날씨|운영 ?시간|누가 ?이겼|순위|"
        r"발표했|출시일|막혀|금리|찾아 ?봐|찾아봐|평점",
        r"(?:버전|신제품|앨범|결과|발표).{0,10}나왔",
        r"(?:현재|지금|요즘|최근) .{0,12}(?:누구|얼마|어때|뭐|나왔)",
    ),
    weak=_re(r"\bfind\b|\bcurrent\b|\btoday\b|\bnow\b", r"찾아|현재|지금|최근|요즘"),
    veto=_re(r"\bsearch (?:algorithm|engine optimization|tree)\b|binary search|검색 ?엔진 ?최적화"),
)

_CODEISH = r"(?:code|snippet|script|program|function|python|this|it|the following|pandas|regex)"
CODE_EXECUTOR = ToolCues(
    "code_executor",
    strong=_re(
        rf"\b(?:run|execute|evaluate)\b.{{0,40}}\b{_CODEISH}\b.*(?:```|`)",
        r"(?:```|`).*\b(?:run it|execute it|when run|output of running|running it)\b",
        rf"\b(?:run|execute)\b (?:this|the following|the|a|my)?\s?{_CODEISH}",
        r"\bwhat (?:does|will) (?:this|it|the code) (?:print|output|return)\b",
        r"\b(?:write|use python|code|script)\b.{0,60}\b(?:and|then) (?:run|execute)\b|"
        r"\brun it\b|\bactually execute\b|\bin the sandbox\b",
        r"\bshow (?:me )?(?:the )?(?:output|result|traceback)\b.*(?:```|`)",
        r"\buse python to\b|\bbenchmark\b|\b(?:run|execute|evaluate)\b:?\s*(?:```|`)|"
        r"\boutput of running\b|\bwhen (?:you )?run\b",
        r"(?:파이썬|python)으로 .{0,40}(?:해서|하고) (?:보여|알려|결과)",
        r"실행해|실행하면|실행 ?결과|돌려 ?(?:봐|줘|서)|돌리면|출력(?:이|돼| 결과)|뭐가 ?출력|"
        r"샌드박스|벤치마크",
    ),
    weak=_re(r"```|`[^`\n]{3,}`", r"\bpython\b|\bcode\b|코드|파이썬"),
    veto=_re(
        r"\brun (?:a|my|the) (?:business|company|marathon|meeting|campaign)\b|"
        r"\bexecute (?:a|my|the) (?:risky |strategic )?plan\b"
    ),
)

TOOL_CUES: tuple[ToolCues, ...] = (CODE_EXECUTOR, CURRENT_TIME, CALCULATOR, WEB_SEARCH)

# Harm cues never decide "dangerous" on their own (``How do I kill a Python process?``): they only
# keep the fast pass from being confident, so the LLM looks at the request.
HARM_CUES = _re(
    r"\b(?:bomb|explosive|napalm|sarin|nerve agent|meth(?:amphetamine)?|ransomware|keylogger|"
    r"malware|phishing|ddos|launder|ghost guns?|untraceable|fake passport|lethal dose|poison|"
    r"weapon|steal|hack(?:ing)? (?:my|his|her|someone|into)|kill (?:my|him|her|someone|myself)|"
    r"hurt someone|threaten|threatening|without (?:her|his|their) knowing|background check|"
    r"suicide|end it|self-harm)\b",
    r"폭탄|폭발물|네이팜|필로폰|마약|사린|독살|독가스|랜섬웨어|키로거|악성 ?코드|피싱|디도스",
    r"돈세탁|위조|훔치|해킹|치사량|협박|몰래|총을|총 ?만드|자살|끝내고 ?싶|살인|해치",
)

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
