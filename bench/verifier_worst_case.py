"""Worst-case CPU of one semantic-cache verifier pair on adversarial prompts (docs/CACHE.md).

The reviewer's inputs (past the cap: rejected before any feature runs) and the same shapes just
inside it (``MAX_TOKENS`` words, ``MAX_CHARS`` characters), best of three ``score`` calls each
under ``time.process_time()``.

    PYTHONPATH=$PWD/src .venv/bin/python bench/verifier_worst_case.py
"""

from __future__ import annotations

import itertools
import time

from llm_gateway.cache.semantic.features import MAX_CHARS, MAX_TOKENS
from llm_gateway.cache.semantic.verifier import VerifierModel, load_verifier


def _cases() -> dict[str, tuple[str, str]]:
    n, ko = MAX_TOKENS, MAX_CHARS - 7
    words = ["".join(p) for p in itertools.islice(itertools.product("bcdfghkmnp", repeat=3), 400)]
    hundred = words[:100]
    hangul = ["".join(p) for p in itertools.product("가나다라마바사아자차", repeat=2)]
    kinds = zip(hangul[: n // 2], hangul[n // 2 :], strict=False)
    return {
        "100 words vs reversed": (" ".join(hundred), " ".join(reversed(hundred))),
        "'a' x2000 vs near copy": (" ".join(["a"] * 2000), " ".join(["a"] * 1999 + ["b"])),
        "ko 4000 chars, no space": ("가" * 3990 + "을 위한 용", "나" * 3990 + "을 위한 용"),
        "400 words rotated": (" ".join(words), " ".join(words[200:] + words[:200])),
        f"{n} words vs reversed": (" ".join(words[:n]), " ".join(reversed(words[:n]))),
        f"'a' x{n} vs near copy": (" ".join(["a"] * n), " ".join(["a"] * (n - 1) + ["b"])),
        f"ko {ko} chars, no space": (
            "가" * (ko - 3) + "을 위한 용",
            "나" * (ko - 3) + "을 위한 용",
        ),
        f"{n} words rotated": (" ".join(words[:n]), " ".join(words[n // 2 : n] + words[: n // 2])),
        # every word of b a near passive of none of a's (register.passive_of: |a| x |b| checks)
        f"ko {n} verbs, no passive pair": (
            " ".join(w + "면" for w in hangul[:n]),
            " ".join(w + "면히" for w in reversed(hangul[:n])),
        ),
        f"ko {n // 2} kind words": (  # scope.kind_added: 여드름성 피부 on every word
            " ".join(f"{w}성 {v}" for w, v in kinds),
            " ".join(hangul[n // 2 : n]),
        ),
        f"ko {n - 4} sentences": (  # register.request_sentence: each sentence against b
            " ".join(f"{w}요." for w in hangul[: n - 4]),
            " ".join(hangul[:n]),
        ),
        f"{n} antonym words": (
            " ".join(["high"] * (n // 2) + ["big"] * (n // 2)),
            " ".join(["low"] * (n // 2) + ["small"] * (n // 2)),
        ),
    }


def _cpu_ms(model: VerifierModel, a: str, b: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        model.score(a, b, 0.95)
        best = min(best, time.process_time() - start)
    return 1000 * best


def main() -> None:
    model = load_verifier()
    for name, (a, b) in _cases().items():
        print(f"{name:28s} {_cpu_ms(model, a, b):8.2f} ms CPU")


if __name__ == "__main__":
    main()
