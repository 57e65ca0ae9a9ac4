"""Compose the cache verifier's weights: an English file with a Korean one nested whole.

``korean_weights`` (read by ``verifier.load_verifier`` since session 17) scores the pairs the
verifier calls Korean. Both files are made by ``train_cache_verifier.py`` (each its own trees,
thresholds and span levels); the gateway needs the two to share the cosine floor (one index
search), and the Korean one to carry no pair head (train it with ``--no-pair-head``) and a "ko"
threshold. The composed file is loaded before it replaces ``--out``: a file the gateway would
refuse is never written there. Usage::

    python scripts/compose_cache_verifier.py --english EN.json --korean KO.json --out OUT.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, load_verifier


def compose(english: dict[str, object], korean: dict[str, object]) -> dict[str, object]:
    """The English weights with ``korean`` as their ``korean_weights`` (an older nesting of
    either side is dropped: one level only)."""
    inner = {k: v for k, v in korean.items() if k != "korean_weights"}
    return {**{k: v for k, v in english.items() if k != "korean_weights"}, "korean_weights": inner}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--english", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--korean", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    english = orjson.loads(args.english.read_bytes())
    korean = orjson.loads(args.korean.read_bytes())
    staged = args.out.with_name(args.out.name + ".tmp")
    staged.write_bytes(orjson.dumps(compose(english, korean), option=orjson.OPT_INDENT_2))
    try:
        model = load_verifier(staged)  # refuses what the gateway would refuse
    except ValueError:
        staged.unlink()
        raise
    staged.replace(args.out)
    if model.korean is None:  # pragma: no cover - compose() always nests it
        raise SystemExit("composed weights lost their korean_weights")
    print(
        f"wrote {args.out}: English thresholds {model.thresholds}, Korean "
        f"{model.korean.thresholds['ko']:.4f} (lexicon {model.korean.slot_lexicon})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
