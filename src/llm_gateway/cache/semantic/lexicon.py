"""Word lists behind the verifier's features (English and Korean): small, hand-written, stable.

Changing a list changes what the shipped verifier weights were trained on: retrain
(``scripts/train_cache_verifier.py``) after editing.
"""

from __future__ import annotations

# With the words that turn a request around like a negation does (less spicy, banned items).
EN_NEGATION = frozenset(
    {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"}
    | {"less", "fewer", "banned", "prohibited", "forbidden", "avoid", "non"}
)
# Korean negation: the 안/못 adverbs are counted as words; these as substrings.
KO_NEGATION = (
    "않",
    "없",
    "못",
    "아니",
    "지마",
    "지 마",
    "말고",
    "마라",
    "마세요",
    "말아",
    "금지",
    "불가",
)
# Whole words that negate or reverse (덜 맵게: less spicy; 압축 푸는: decompress).
KO_NEGATION_WORDS = frozenset("안 덜 푸는 풀기 풀어 풀려면 해제 해제하는 취소 취소하는".split())
# Words that contain a negation marker without negating (없애다 remove, 잘못 mistake).
KO_NOT_NEGATION = ("없애", "없앨", "잘못", "못생", "아니면")

# Question word → the kind of answer asked for (what/which alike).
EN_QUESTION = {
    "what": "what",
    "which": "what",
    "who": "who",
    "whom": "who",
    "whose": "who",
    "when": "when",
    "where": "where",
    "why": "why",
    "how": "how",
}
KO_QUESTION = (
    ("누구", "who"),
    ("누가", "who"),
    ("언제", "when"),
    ("어디", "where"),
    ("왜", "why"),
    ("어째서", "why"),
    ("어떻게", "how"),
    ("몇", "quantity"),
    ("얼마", "quantity"),
    ("무엇", "what"),
    ("뭐", "what"),
    ("뭘", "what"),
    ("무슨", "what"),
    ("어떤", "what"),
    # text-speak spellings (어케함, 모예요)
    ("어케", "how"),
    ("어캐", "how"),
    ("어떡해 하면", "how"),
    ("어떡게", "how"),  # misspelt 어떻게 (session 19)
    ("어떻케", "how"),
    ("모예요", "what"),
    ("모야", "what"),
    ("머야", "what"),
)

# Case particles, longest first, mapped to the role they mark.
KO_PARTICLES = {
    "에게서": "source",
    "한테서": "source",
    "으로부터": "source",
    "로부터": "source",
    "에서부터": "source",
    "에서": "source",
    "까지": "goal",
    "에게": "dative",
    "한테": "dative",
    "께서": "subject",
    "으로": "direction",
    "이랑": "with",
    "하고": "with",
    "은": "topic",
    "는": "topic",
    "이": "subject",
    "가": "subject",
    "을": "object",
    "를": "object",
    "로": "direction",
    "와": "with",
    "과": "with",
    "랑": "with",
    "의": "of",
    "에": "at",
    "보다": "than",
    "부터": "source",
    "처럼": "like",
    "만큼": "like",
}
KO_PARTICLES = dict(sorted(KO_PARTICLES.items(), key=lambda item: -len(item[0])))

NUMBER_WORDS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "thirty": "30",
    "hundred": "100",
    "thousand": "1000",
    "million": "1000000",
    "하나": "1",
    "한": "1",
    "두": "2",
    "세": "3",
    "네": "4",
    "둘": "2",
    "셋": "3",
    "넷": "4",
    "다섯": "5",
    "여섯": "6",
    "일곱": "7",
    "여덟": "8",
    "아홉": "9",
    "열": "10",
    "스물": "20",
    "서른": "30",
    "마흔": "40",
    "쉰": "50",
}

_UNITS = {
    "length": "km kilometer kilometers kilometre mile miles meter meters metre m cm mm inch inches "
    "foot feet ft yard yards 킬로미터 마일 미터 센티 인치 피트 야드",
    "mass": "kg kilogram kilograms g gram grams pound pounds lb lbs ounce ounces oz mg "
    "킬로그램 그램 파운드 온스 근",
    "volume": "l liter liters litre ml cup cups pint pints gallon gallons tablespoon tablespoons "
    "teaspoon teaspoons 리터 밀리리터 컵 파인트 갤런 큰술 작은술",
    "temp": "celsius fahrenheit kelvin 섭씨 화씨",
    "money": "dollar dollars usd euro euros eur won krw yen pound sterling 달러 유로 엔 원",
    "data": "kb mb gb tb bytes bits megabyte megabytes megabit megabits gigabyte gigabytes "
    "gigabit gigabits kilobyte kilobytes terabyte terabytes "
    "킬로바이트 메가바이트 기가바이트 테라바이트 메가비트 기가비트 비트 바이트",
    "duration": "second seconds minute minutes hour hours day days week weeks month months "
    "year years 초 분 시간 일 주 개월 년",
    "percent": "percent percentage points %",
    "area": "sqm sqft acre acres hectare hectares "
    "제곱미터 제곱피트 평방미터 평방피트 에이커 헥타르 평",
}
UNIT_WORDS = {word: f"{kind}:{word}" for kind, words in _UNITS.items() for word in words.split()}

_TIMES = (
    "yesterday today tomorrow tonight morning afternoon evening night noon midnight am pm "
    "monday tuesday wednesday thursday friday saturday sunday weekend weekday "
    "january february march april may june july august september october november december "
    "spring summer autumn winter bedtime "
    "어제 그제 오늘 내일 모레 아침 점심 저녁 밤 새벽 오전 오후 월요일 화요일 수요일 목요일 "
    "자기 전 잠들기 금요일 토요일 일요일 주말 평일 봄 여름 가을 겨울 작년 올해 내년 "
    "지난주 다음주 이번주 "
    "전에 후에 이전 이후"
)
TIME_WORDS = {word: word for word in _TIMES.split()} | {
    # the same time in other words (session 19): "before bed" / "at bedtime", "주말" / "weekend"
    "bed": "bedtime",
    "weekend": "주말",
    "weekday": "평일",
    "전에": "전",  # 운동 전에 / 운동 전 (round 12)
}
# Time words that name a day, week, month or year (a calendar date or one said from today): a
# question that adds one on one side only asks about that time ("부산 날씨 어때?" / "내일 부산 날씨
# 어때?"). A part of the day, a season or "before / after" added on one side alone is left to
# the trees ("Iceland in winter" / "… during the cold season"); any word swapped for another
# still counts (일요일 / 월요일, 아침 / 저녁).
CALENDAR_TIMES = frozenset(
    "yesterday today tomorrow tonight monday tuesday wednesday thursday friday saturday sunday "
    "january february march april may june july august september october november december "
    "어제 그제 오늘 내일 모레 월요일 화요일 수요일 목요일 금요일 토요일 일요일 주말 평일 "
    "작년 올해 내년 지난주 다음주 이번주".split()
)

_ANTONYM_PAIRS = (
    "good bad|before after|high low|increase decrease|open close|buy sell|hot cold|more less|"
    "first last|start stop|add remove|create delete|win lose|rise fall|cheap expensive|"
    "early late|up down|"
    "best worst|maximum minimum|max min|larger smaller|bigger smaller|higher lower|always never|"
    "old new|young old|men women|man woman|boy girl|male female|left right|north south|"
    "east west|import export|safe dangerous|safe unsafe|legal illegal|healthy unhealthy|"
    "fast slow|easy hard|easy difficult|long short|heavy light|rich poor|gain lose|"
    "accept reject|encrypt decrypt|upload download|push pull|send receive|enable disable|"
    "install uninstall|on off|in out|with without|true false|positive negative|pros cons|"
    "benefits risks|advantages disadvantages|love hate|like dislike|rise set|sunrise sunset|"
    "ascending descending|inner outer|input output|private public|client server|"
    "좋 나쁘|좋아 싫어|많 적|크 작|높 낮|비싸 싸|열 닫|사 팔|늘 줄|이전 이후|처음 마지막|"
    "남자 여자|오른쪽 왼쪽|위 아래|길 짧|빠르 느리|쉽 어렵|덥 춥|뜨거 차가|무거 가벼|"
    "입금 출금|수입 수출|장점 단점|찬성 반대|시작 종료|추가 삭제|상승 하락|증가 감소|"
    "엄마 아빠|오르 내리|뜨 지|켜 끄|올리 내리|이기 지|받 보내|성공 실패|합격 불합격|"
    "오름차순 내림차순|최대 최소|흑자 적자|부작용 효과|전기 후기|초기 후기|초기 말기|"
    "시작 마감|시작 끝|전날 다음날|포함 제외|include exclude|import export|"
    "전 후|앞 뒤|상승 하락|"
    # more Korean verb and noun antonyms (v4's dev look-alikes and their kin)
    "올리 낮추|높이 낮추|올리 내리|인상 인하|확대 축소|가입 해지|가입 탈퇴|등록 해지|등록 해제|"
    "짜 싱겁|숨기 표시|숨기 보이|활성화 비활성화|입사 퇴사|입학 졸업|입국 출국|승차 하차|"
    "충전 방전|흡연 금연|공개 비공개|허용 차단|연결 해제|설치 삭제|로그인 로그아웃|"
    "늘리 줄이|채우 비우|따뜻 시원|밝 어둡|넓 좁|두껍 얇|굵 가늘|진하 연하|가까 멀|"
    "찬물 온수|냉수 온수|냉동 해동|암호화 복호화|압축 해제|매수 매도|대출 상환|빌려주 빌리"
)
# Korean word-start prefixes of opposite sense on the same stem (저혈압 / 고혈압, 상반기 / 하반기,
# 입금 / 출금): a pair of words that differ only in this first syllable is an antonym swap.
KO_PREFIX_ANTONYMS = frozenset(
    {("저", "고"), ("상", "하"), ("입", "출"), ("선", "후"), ("초", "말"), ("남", "여")}
)
# English prefixes of opposite sense on the same stem (hypertension / hypotension, overpaid /
# underpaid, prewar / postwar): the Greek and Latin pairs, not read off any pair file's words.
EN_PREFIX_ANTONYMS = frozenset(
    {
        ("hyper", "hypo"),
        ("over", "under"),
        ("pre", "post"),
        ("inter", "intra"),
        ("micro", "macro"),
        ("sub", "super"),
        ("endo", "exo"),
    }
)
ANTONYMS = frozenset((pair.split()[0], pair.split()[1]) for pair in _ANTONYM_PAIRS.split("|"))

# Words that name the same thing in prompts (compared as one; not a slot substitution).
_SYNONYMS = (
    "delete remove erase|make create build|fix repair|get obtain acquire|begin start commence|"
    "buy purchase|big large huge|quick fast quickly rapid speedy|car vehicle|job work|"
    "couch sofa|photo picture|"
    "dict dictionary|var variable|env environment|app application|repo repository|"
    "js javascript|ts typescript|py python|k8s kubernetes|pic picture|info information|"
    "recommend suggest|tell explain describe|show list display|flip reverse|use using|"
    "help helps|kid child|kids children|doc document|docs documents|mac macos|"
    # general synonyms and chat short forms (u, r, ppl): one word each, so a paraphrase's
    # word choice is not an entity swap
    "largest biggest|small little tiny|smallest tiniest|mother mom mum mommy|"
    "father dad daddy|manager boss supervisor|gift present|bicycle bike|automobile auto|"
    "reliable dependable trustworthy|reduce lower decrease|increase raise boost|"
    "stop quit cease|main primary principal chief|correct proper right|cite reference|"
    "clean wash|meaning definition|movie film|store shop|end finish|assist aid|"
    "answer reply respond|home house|tips advice|dinner supper|prepare cook|"
    "permanently forever|simple easy|cheap inexpensive affordable|"
    "you u ya|are r|your ur|people ppl folks|difference diff|please pls plz|thanks thx|"
    "because bc cuz|about abt|tonight tonite|okay ok|what whats|how hows|where wheres|"
    "엄마 어머니|아빠 아버지|가장 제일|저렴한 싼|자동차 차량|한국 대한민국|"
    "방법 법 방식|꼭 반드시|휴대폰 핸드폰 스마트폰|아이 아기|알려줘 알려주세요 알려줄래|"
    "만드는 만들기|주의할 조심해야|없애는 제거하는|고치는 수정하는|때 시"
)
SYNONYMS = {w: group.split()[0] for group in _SYNONYMS.split("|") for w in group.split()}

# Korean verb and noun stems (first two syllables, as words are compared) that name the same
# act or thing whatever their ending: 바꾸려면 / 교체하려면, 없애는 / 제거하는.
_KO_STEM_SYNONYMS = (
    "바꾸 교체 변경|없애 제거 삭제|만드 만들 제작|고치 수정 수리|"
    "원인 이유|구매 구입|시작 개시|확인 조회|신청 접수|방법 요령"
)
KO_STEM_SYNONYMS = {
    w: group.split()[0] for group in _KO_STEM_SYNONYMS.split("|") for w in group.split()
}

# Korean words that only carry politeness, mood or filler (not content).
KO_FUNCTION = frozenset(
    "좀 정도 돼 되나요 하나요 해요 해 할까요 있어 있나요 있을까요 있어요 줘 주세요 해줘 "
    "해주세요 알려줘 알려주세요 요 수 것 거 때 건가요 걸까요 뭐야 뭐예요 뭔가요 인가요 "
    "이에요 예요 야 어때 어때요 돼요 될까요 되나 할 하는 해야 하면 부탁해 "
    # endings of a request or question in another register (반말 / 존댓말), wh-words in
    # another form (누가 / 누구에 의해: question kinds are compared on their own)
    "주세요 주십시오 주시겠어요 줄래 줄래요 주실래요 되나요 되나 되죠 하나요 있나요 있을까 "
    "될까 될까요 인가 인가요 건지 걸까 거야 거예요 누가 누구 누 의해 무엇 뭐가 뭘 무슨 "
    # formal endings (합쇼체): 해야 돼 = 해야 합니까
    "합니까 합니다 됩니까 됩니다 있습니까 있습니다 입니까 입니다".split()
)
