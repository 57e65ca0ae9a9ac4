"""How close each row of a judge set comes to the repository's own data: near-duplicate checks.

Usage:
    .venv/bin/python scripts/guard_overlap.py --dataset JUDGE.jsonl [--dataset ...] --out MAP.json
    .venv/bin/python scripts/guard_round.py ROWS.jsonl --overlap MAP.json --max-jaccard 0.4

Every writer of a judge is a helper that never saw this repository, but they are alike: session
24 found 18 % of its judges' rows within a character 5-gram Jaccard of 0.4 of a row already in
``eval/guardrails`` (the same invoice scam, the same IBAN). Such a row scores the build on what
it trained on. For every row of the ``--dataset`` files this writes the highest Jaccard (over
lower-cased, whitespace-folded character 5-grams) against every row of ``--against`` (default:
every JSONL file under ``eval/guardrails`` and ``tests/data/addressee_review`` but the datasets
themselves), with that row's file and text; ``guard_round.py --overlap`` then scores only the
rows at most ``--max-jaccard`` from anything here. Candidates are the rows sharing the most
rare 5-grams (present in at most ``COMMON`` rows); the Jaccard of the best ``CANDIDATES`` is
exact.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_AGAINST = (REPO / "eval/guardrails", REPO / "tests/data/addressee_review")
N = 5
COMMON = 2000  # a 5-gram in more rows than this names no neighbour ("해 주세요", "please ")
CANDIDATES = 20
THRESHOLDS = (0.3, 0.4, 0.5)


def grams(text: str) -> frozenset[str]:
    """The lower-cased, whitespace-folded character 5-grams of ``text``."""
    folded = " ".join(text.lower().split())
    return frozenset(folded[i : i + N] for i in range(max(1, len(folded) - N + 1)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def texts(path: Path) -> list[str]:
    """The ``text`` of every JSON line of ``path`` that has one."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if isinstance(row, dict) and isinstance(row.get("text"), str):
                out.append(row["text"])
    return out


class Index:
    """Rows of the reference files, with an inverted index of their rare 5-grams."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.rows = rows
        self.grams = [grams(text) for _, text in rows]
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for i, row_grams in enumerate(self.grams):
            for gram in row_grams:
                postings[gram].append(i)
        self.postings = {g: ids for g, ids in postings.items() if len(ids) <= COMMON}

    def nearest(self, text: str) -> tuple[float, str, str]:
        """(Jaccard, file, text) of the closest reference row (0.0 and empty names: none)."""
        own = grams(text)
        shared: Counter[int] = Counter()
        for gram in own:
            shared.update(self.postings.get(gram, ()))
        best = (0.0, "", "")
        for i, _ in shared.most_common(CANDIDATES):
            score = jaccard(own, self.grams[i])
            if score > best[0]:
                best = (score, *self.rows[i])
        return best


def reference_rows(against: list[Path], exclude: set[Path]) -> list[tuple[str, str]]:
    """(file name, text) of every row of the JSONL files under ``against`` not in ``exclude``."""
    files = sorted({f.resolve() for d in against for f in d.rglob("*.jsonl")} - exclude)
    return [(f.name, text) for f in files for text in texts(f)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--against", type=Path, action="append", default=None)
    parser.add_argument("--out", type=Path, required=True, help="JSON: text -> nearest row")
    args = parser.parse_args()
    exclude = {p.resolve() for p in args.dataset}
    index = Index(reference_rows(args.against or list(DEFAULT_AGAINST), exclude))
    nearest: dict[str, dict[str, float | str]] = {}
    for path in args.dataset:
        for text in texts(path):
            score, name, other = index.nearest(text)
            nearest[text] = {"jaccard": round(score, 4), "file": name, "text": other}
        values = [float(nearest[t]["jaccard"]) for t in texts(path)]
        above = ", ".join(f"> {t}: {sum(v > t for v in values)}" for t in THRESHOLDS)
        print(f"{path.name}: {len(values)} rows; {above}")
    args.out.write_text(json.dumps(nearest, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
