"""Time ``pair_features`` on crafted Korean prompts (<= 512 chars), for rev-ckoneg's timing rule.

    PYTHONPATH=<tree>/src python notes/revckoneg_timing.py

Prints, per family and length (64, 128, 256, 512 chars), the median of 5 runs in ms.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from llm_gateway.cache.semantic.features import pair_features


def _fit(unit: str, head: str, tail: str, n: int) -> str:
    """head + unit repeated + tail, cut to n characters (tail kept)."""
    body = unit * (n // max(1, len(unit)) + 1)
    return (head + body)[: n - len(tail)] + tail


FAMILIES: dict[str, Callable[[int], tuple[str, str]]] = {
    # one word: a time word then a run of endings (the old ReDoS shape)
    "에는_run": lambda n: (
        _fit("에는", "오늘", "X 날씨 어때?", n),
        _fit("에는", "내일", "X 날씨 어때?", n),
    ),
    "요_run": lambda n: (_fit("요", "어제", "X?", n), _fit("요", "오늘", "X?", n)),
    # one word of time words run together (내일아침내일아침…) then a non-ending
    "time_chain": lambda n: (_fit("내일아침", "", "X", n), _fit("오늘저녁", "", "X", n)),
    # many words that start with a time word (전/전에/자기/잠들기 prefixes)
    "time_starts": lambda n: (
        _fit("전에는요 자기전에 잠들기전날 ", "", "?", n),
        _fit("후에는요 자기전에 잠들기전날 ", "", "?", n),
    ),
    # many joined 안X against spaced 안 X on the other side (N1 split + guard Counters)
    "an_split": lambda n: (
        _fit("안먹어도 되고 ", "", "돼요?", n),
        _fit("안 먹어도 되고 ", "", "돼요?", n),
    ),
    # 안X words whose X is on the other side unnegated (parity, many splits)
    "an_vs_plain": lambda n: (_fit("안가요 ", "", "?", n), _fit("가요 ", "", "?", n)),
    # one long joined word starting with 안 (slice per word)
    "an_longword": lambda n: (_fit("가", "안", "요", n), _fit("가", "", "요", n)),
}


def main() -> None:
    for name, make in FAMILIES.items():
        cells = []
        for n in (64, 128, 256, 512):
            a, b = make(n)
            assert len(a) <= 512, (name, n)
            assert len(b) <= 512, (name, n)
            pair_features(a, b, 0.95)  # warm
            runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                pair_features(a, b, 0.95)
                runs.append((time.perf_counter() - t0) * 1000)
            cells.append(f"{n}:{statistics.median(runs):8.2f}")
        print(f"{name:12s} " + "  ".join(cells))  # noqa: T201


if __name__ == "__main__":
    main()
