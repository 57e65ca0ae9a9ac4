"""Hard negatives (and a few positives) made by editing real sentences, for the cache verifier.

Public paraphrase corpora rarely contain the near-duplicates that break a semantic cache: the
same question with one number, entity, time, unit, question word or role changed, or a negation
added. ``perturb`` makes such pairs from training sentences (English and Korean), one edit per
pair, deterministically from a seed. Used by ``scripts/train_cache_verifier.py`` only.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

Edit = Callable[[str, random.Random, Sequence[str]], str | None]


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(p.split()[0], p.split()[1]) for p in text.split("|")]


_EN_ANTONYMS = _pairs(
    "good bad|high low|increase decrease|before after|open close|buy sell|hot cold|"
    "more less|first last|start stop|add remove|create delete|win lose|rise fall|"
    "cheap expensive|early late|up down|best worst|maximum minimum|larger smaller|"
    "higher lower|always never|old new|young old|men women|man woman|boy girl|"
    "left right|north south|east west|import export|safe dangerous|legal illegal|"
    "healthy unhealthy|fast slow|easy hard|long short|heavy light|rich poor|"
    "gain lose|accept reject|encrypt decrypt|upload download|push pull"
)
_KO_ANTONYMS = _pairs(
    "좋 나쁘|많 적|크 작|높 낮|비싸 싸|열 닫|사 팔|늘 줄|이전 이후|처음 마지막|남자 여자|"
    "오른쪽 왼쪽|위 아래|전 후|길 짧|빠르 느리|쉽 어렵|덥 춥|뜨거 차가|무거 가벼|"
    "아침 저녁|오전 오후|입금 출금|수입 수출|장점 단점|찬성 반대|시작 종료|추가 삭제|"
    "상승 하락|증가 감소|엄마 아빠"
)
_EN_QWORDS = "what|where|when|why|who|how|which".split("|")
_KO_QWORDS = "왜|언제|어디서|누가|어떻게|무엇을|몇 번".split("|")
_EN_TIMES = (
    "yesterday|today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|"
    "sunday|morning|evening|night|january|march|june|july|october|december|last week|"
    "next week|last year|next year"
).split("|")
_KO_TIMES = (
    "어제|오늘|내일|모레|월요일|화요일|수요일|금요일|토요일|일요일|아침|저녁|밤|지난주|"
    "다음 주|작년|내년|1월|6월|12월"
).split("|")
_EN_UNITS = _pairs(
    "km miles|kilometers miles|kg pounds|grams ounces|liters gallons|meters feet|"
    "celsius fahrenheit|hours minutes|days weeks|months years|dollars euros|"
    "percent points|cups tablespoons|inches centimeters|mb gb"
)
_KO_UNITS = _pairs(
    "킬로미터 마일|킬로그램 파운드|그램 온스|리터 갤런|미터 피트|시간 분|"
    "일 주|개월 년|원 달러|컵 큰술|층 호|명 개|번 배"
)
_EN_NEG = [
    (r"\b(is|are|was|were|can|could|should|would|will|do|does|did|has|have)\b", r"\1 not"),
]
_KO_PARTICLES = (
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에게",
    "한테",
    "에서",
    "으로",
    "로",
    "까지",
    "와",
    "과",
)
_VERBAL = frozenset({"하는", "는데", "은데", "주는", "있는", "없는", "같은", "좋은", "아는"})


def _replace_word(text: str, old: str, new: str) -> str | None:
    pattern = re.compile(rf"(?<![\w]){re.escape(old)}(?![\w])", re.IGNORECASE)
    if not pattern.search(text):
        return None
    return pattern.sub(new, text, count=1)


def en_number(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
    found = list(re.finditer(r"\d+(?:\.\d+)?", text))
    if not found:
        return None
    m = rng.choice(found)
    value = float(m.group())
    new = value * rng.choice([2, 3, 0.5, 10]) + rng.choice([0, 1, -1])
    shown = str(int(new)) if "." not in m.group() else f"{new:.1f}"
    if shown == m.group():
        return None
    return text[: m.start()] + shown + text[m.end() :]


def en_negation(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
    if re.search(r"\b(not|n't|never|no)\b", text, re.IGNORECASE):
        out = re.sub(r"\s+not\b|n't\b|\bnever\s+", " ", text, count=1, flags=re.IGNORECASE)
        return re.sub(r"\s{2,}", " ", out).strip() if out != text else None
    pattern, repl = _EN_NEG[0]
    out = re.sub(pattern, repl, text, count=1, flags=re.IGNORECASE)
    return out if out != text else None


def _swap_from(pairs: Sequence[tuple[str, str]], before: str = r"(?<!\w)") -> Edit:
    """Swap a word for its counterpart; ``before`` anchors the match (a word start, a digit)."""

    def edit(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
        options = [(a, b) for a, b in pairs if re.search(rf"{before}{a}", text, re.IGNORECASE)]
        options += [(b, a) for a, b in pairs if re.search(rf"{before}{b}", text, re.IGNORECASE)]
        if not options:
            return None
        old, new = rng.choice(options)
        korean = bool(re.search(r"[\uac00-\ud7a3]", old))
        if korean:
            return re.sub(rf"({before}){old}", lambda m: m.group(1) + new, text, count=1)
        return _replace_word(text, old, new)

    return edit


def _swap_list(words: Sequence[str]) -> Edit:
    def edit(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
        present = [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.I)]
        if not present:
            return None
        old = rng.choice(present)
        new = rng.choice([w for w in words if w != old])
        return _replace_word(text, old, new) if old.isascii() else text.replace(old, new, 1)

    return edit


def en_entity(text: str, rng: random.Random, pool: Sequence[str]) -> str | None:
    """Swap a capitalised word (not the first) for one from another sentence."""
    mine = list(re.finditer(r"(?<=\s)[A-Z][a-z]{2,}", text))
    if not mine or not pool:
        return None
    target = rng.choice(mine)
    other = rng.choice(pool)
    theirs = [w for w in re.findall(r"(?<=\s)[A-Z][a-z]{2,}", other) if w != target.group()]
    if not theirs:
        return None
    return text[: target.start()] + rng.choice(theirs) + text[target.end() :]


def en_role_swap(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
    """Swap two capitalised words, or the nouns around 'to'/'from'/'vs'."""
    names = list(dict.fromkeys(re.findall(r"(?<=\s)[A-Z][a-z]{2,}", text)))
    if len(names) >= 2:
        a, b = rng.sample(names, 2)
        return text.replace(a, "\0").replace(b, a).replace("\0", b)
    m = re.search(r"\b(\w+) (to|from|into|than|vs\.?|and) (\w+)\b", text)
    if m and m.group(1).lower() != m.group(3).lower() and len(m.group(1)) > 2:
        return text[: m.start()] + f"{m.group(3)} {m.group(2)} {m.group(1)}" + text[m.end() :]
    return None


def ko_number(text: str, rng: random.Random, pool: Sequence[str]) -> str | None:
    return en_number(text, rng, pool)


def ko_negation(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
    if " 안 " in f" {text}":
        return re.sub(r"(^|\s)안 ", r"\1", text, count=1)
    if "없" in text:
        return text.replace("없", "있", 1)
    words = text.split()
    if len(words) < 2:
        return None
    # Put 안 before the predicate (the last word).
    return " ".join([*words[:-1], "안", words[-1]])


def _ko_split(word: str) -> tuple[str, str] | None:
    for particle in sorted(_KO_PARTICLES, key=len, reverse=True):
        if word.endswith(particle) and len(word) >= len(particle) + 2 and word[-2:] not in _VERBAL:
            return word[: -len(particle)], particle
    return None


def ko_role_swap(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
    """Swap the stems of two words with different case particles (철수가 영희를 → 영희가 철수를)."""
    words = text.split()
    marked = [(i, s) for i, w in enumerate(words) if (s := _ko_split(w)) is not None]
    pairs = [(x, y) for x in marked for y in marked if x[0] < y[0] and x[1][1] != y[1][1]]
    if not pairs:
        return None
    (i, (stem_i, part_i)), (j, (stem_j, part_j)) = rng.choice(pairs)
    if stem_i == stem_j:
        return None
    out = list(words)
    out[i], out[j] = stem_j + _fix_particle(stem_j, part_i), stem_i + _fix_particle(stem_i, part_j)
    return " ".join(out)


def ko_reorder(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
    """Swap two particle-marked words, particles kept: same meaning (a positive)."""
    words = text.split()
    marked = [i for i, w in enumerate(words) if _ko_split(w) is not None]
    if len(marked) < 2:
        return None
    i, j = sorted(rng.sample(marked, 2))
    if j != i + 1:
        return None
    out = list(words)
    out[i], out[j] = out[j], out[i]
    return " ".join(out)


def _fix_particle(stem: str, particle: str) -> str:
    """이/가, 을/를, 은/는, 과/와 follow the stem's final consonant."""
    last = stem[-1]
    coda = "\uac00" <= last <= "\ud7a3" and (ord(last) - 0xAC00) % 28 != 0
    swap = {
        "이": "가",
        "가": "이",
        "을": "를",
        "를": "을",
        "은": "는",
        "는": "은",
        "과": "와",
        "와": "과",
    }
    if particle in swap:
        wants_coda = particle in ("이", "을", "은", "과")
        return particle if wants_coda == coda else swap[particle]
    return particle


def ko_entity(text: str, rng: random.Random, pool: Sequence[str]) -> str | None:
    """Replace a particle-marked noun by one from another sentence."""
    words = text.split()
    marked = [(i, s) for i, w in enumerate(words) if (s := _ko_split(w)) is not None]
    if not marked or not pool:
        return None
    i, (stem, particle) = rng.choice(marked)
    others = [s[0] for w in rng.choice(pool).split() if (s := _ko_split(w)) and s[0] != stem]
    if not others:
        return None
    new = rng.choice(others)
    out = list(words)
    out[i] = new + _fix_particle(new, particle)
    return " ".join(out)


EN_EDITS: dict[str, Edit] = {
    "number": en_number,
    "negation": en_negation,
    "antonym": _swap_from(_EN_ANTONYMS),
    "question_type": _swap_list(_EN_QWORDS),
    "time": _swap_list(_EN_TIMES),
    "unit": _swap_from(_EN_UNITS),
    "entity": en_entity,
    "role_swap": en_role_swap,
}
KO_EDITS: dict[str, Edit] = {
    "number": ko_number,
    "negation": ko_negation,
    "antonym": _swap_from(_KO_ANTONYMS),
    "question_type": _swap_list(_KO_QWORDS),
    "time": _swap_list(_KO_TIMES),
    "unit": _swap_from(_KO_UNITS, r"(?<=\d)\s?"),
    "entity": ko_entity,
    "role_swap": ko_role_swap,
}


def perturb(
    sentences: Sequence[str], lang: str, *, per_kind: int, seed: int
) -> list[tuple[str, str, int, str]]:
    """Up to ``per_kind`` (a, b, label, kind) pairs per edit kind (label 0: meaning changed)."""
    rng = random.Random(seed)
    edits = EN_EDITS if lang == "en" else KO_EDITS
    out: list[tuple[str, str, int, str]] = []
    order = list(sentences)
    for kind, edit in edits.items():
        rng.shuffle(order)
        made = 0
        for text in order:
            if made >= per_kind:
                break
            edited = edit(text, rng, order)
            if edited and edited.strip() != text.strip():
                out.append((text, edited, 0, kind))
                made += 1
    positives: dict[str, Edit] = {"typo": typo}
    positives["word_order"] = ko_reorder if lang == "ko" else en_front_phrase
    for kind, edit in positives.items():
        made = 0
        for text in order:
            if made >= per_kind:
                break
            edited = edit(text, rng, order)
            if edited and edited != text:
                out.append((text, edited, 1, kind))
                made += 1
    return out


def typo(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
    """One or two slips of the hand in long words (a positive): a letter dropped, doubled or
    two swapped; in Korean a syllable's vowel or final consonant dropped or a space moved."""
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= (3 if w[0] > "\u3000" else 6)]
    if not long_words:
        return None
    out = list(words)
    for i in rng.sample(long_words, min(len(long_words), rng.choice((1, 2)))):
        w = out[i]
        if len(w) < 3:  # joined into the word before it
            continue
        k = rng.randrange(1, len(w) - 1)
        if w[0] > "\u3000":  # Korean: split the word, join it to the next, or drop a final
            choice = rng.randrange(3)
            code = ord(w[k]) - 0xAC00
            if choice == 0:
                out[i] = w[:k] + " " + w[k:]
            elif choice == 1 and i + 1 < len(out) and out[i + 1]:
                out[i], out[i + 1] = w + out[i + 1], ""
            elif 0 <= code < 11172 and code % 28:
                out[i] = w[:k] + chr(ord(w[k]) - code % 28) + w[k + 1 :]
        else:
            choice = rng.randrange(3)
            out[i] = (
                w[:k] + w[k + 1 :]
                if choice == 0
                else w[:k] + w[k] + w[k:]
                if choice == 1
                else w[: k - 1] + w[k] + w[k - 1] + w[k + 1 :]
            )
    return " ".join(x for x in out if x)


_EN_TAIL = re.compile(
    r"^(.*\S) ((?:in|on|for|with|during|before|after|without|at) [\w' -]{2,30})([?.]?)$"
)


def en_front_phrase(text: str, rng: random.Random, _: Sequence[str]) -> str | None:
    """Move a closing phrase to the front ("… in Python?" → "In Python, …?"): a positive."""
    m = _EN_TAIL.match(text.strip())
    if not m or len(m.group(1).split()) < 3:
        return None
    head, tail, end = m.groups()
    return f"{tail[0].upper()}{tail[1:]}, {head[0].lower()}{head[1:]}{end}"
