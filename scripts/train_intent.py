"""Train the shipped intent classifier (src/llm_gateway/agent/intent/intent_model.json.gz).

Usage:
    .venv/bin/python scripts/train_intent.py [--shared-eval ../shared/eval] [--out PATH]
        [--check] [--limit N]

Data (all development data; nothing the project reports as held out is read here):
- eval/intent/prompts.jsonl and eval/intent/dev_extra.jsonl: the project's own labelled prompts;
- ``--shared-eval`` (default ``<repo>/../shared/eval``), when present: harmful requests and
  attacks (XSTest unsafe, MultiJail, Korean translated attacks, deepset injections, jackhhao
  jailbreaks) as ``dangerous``; benign look-alikes (XSTest safe, NotInject, jackhhao benign,
  Korean everyday chat) as ``general``. Sampled deterministically (by a hash of the text).

Grouped 5-fold cross-validation on the project's prompts (EN/KO twins share a fold) fits the
temperature and the coverage scale and prints out-of-fold accuracy; then the model is fit on
everything and written with sorted keys and rounded weights, so the same data gives the same
bytes (``--check`` compares instead of writing). Needs scikit-learn (a dev dependency only).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from llm_gateway.agent.intent.classifier import FORMAT_VERSION, MODEL_PATH, features, tfidf

ROOT = Path(__file__).resolve().parents[1]
LABELS = (
    "general",
    "tool:calculator",
    "tool:current_time",
    "tool:web_search",
    "tool:code_executor",
    "dangerous",
)
DEV_FILES = ("prompts.jsonl", "dev_extra.jsonl")
# (file, label value in the file, category or None, our label, how many rows at most)
SHARED = (
    ("xstest.jsonl", 1, None, "dangerous", 200),
    ("xstest.jsonl", 0, None, "general", 250),
    ("multijail_ko_en.jsonl", 1, None, "dangerous", 314),
    ("korean_translated_attacks.jsonl", 1, None, "dangerous", 160),
    ("deepset_prompt_injections.jsonl", 1, None, "dangerous", 150),
    ("jackhhao_jailbreak_classification.jsonl", 1, None, "dangerous", 120),
    ("jackhhao_jailbreak_classification.jsonl", 0, None, "general", 120),
    ("notinject_benign.jsonl", 0, None, "general", 200),
    ("korean_chatbot_benign.jsonl", 0, None, "general", 300),
)
# Everyday-chat rows that would need a tool (weather, the time) are left out, not relabelled.
_CHAT_SKIP = ("날씨", "몇 시", "몇시", "요일", "뉴스", "시간", "며칠")
FOLDS = 5
C = 4.0
MIN_DF = 2
SHARED_WEIGHT = 0.3  # public rows are many and unlike chat prompts: they inform, ours lead
KEEP_WEIGHT = 0.02  # features whose largest |weight| is below this are dropped, then refit


def _weight(row: dict[str, Any]) -> float:
    return 1.0 if row["dev"] else SHARED_WEIGHT


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_dev(limit: int | None) -> list[dict[str, Any]]:
    """The project's prompts, each with a CV group that keeps translation twins together."""
    rows: list[dict[str, Any]] = []
    for name in DEV_FILES:
        with (ROOT / "eval" / "intent" / name).open(encoding="utf-8") as handle:
            found = [json.loads(line) for line in handle if line.strip()]
        if limit:  # the first rows of each (language, label)
            seen: Counter[tuple[str, str]] = Counter()
            kept = []
            for row in found:
                seen[row["lang"], row["label"]] += 1
                if seen[row["lang"], row["label"]] <= limit:
                    kept.append(row)
            found = kept
        # Twins were written in the same order within each (language, label): blocks of
        # neighbouring positions go to one fold, so a pair lands on one side of the split.
        position: Counter[tuple[str, str]] = Counter()
        sizes = Counter((r["lang"], r["label"]) for r in found)
        for row in found:
            key = (row["lang"], row["label"])
            fold = position[key] * FOLDS // sizes[key]
            position[key] += 1
            rows.append({**row, "fold": fold, "dev": True})
    return rows


def load_shared(directory: Path, limit: int | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if not directory.is_dir():
        return rows
    for name, value, category, label, cap in SHARED:
        path = directory / "injection" / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            found = [json.loads(line) for line in handle if line.strip()]
        picked = [
            r
            for r in found
            if r.get("label") == value
            and (category is None or r.get("category") == category)
            and not (name.startswith("korean_chatbot") and any(s in r["text"] for s in _CHAT_SKIP))
        ]
        picked.sort(key=lambda r: _key(r["text"]))
        for row in picked[: min(cap, limit) if limit else cap]:
            group = str(row.get("pair_id", row["text"]))
            fold = int(_key(name + group)[:8], 16) % FOLDS
            rows.append({"text": row["text"], "label": label, "fold": fold, "dev": False})
    return rows


def build_idf(docs: list[Counter[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    n = len(docs)
    return {f: math.log((1 + n) / (1 + d)) + 1.0 for f, d in df.items() if d >= MIN_DF}


def matrix(docs: list[Counter[str]], idf: dict[str, float]) -> tuple[csr_matrix, list[float]]:
    index = {f: i for i, f in enumerate(sorted(idf))}
    data: list[float] = []
    cols: list[int] = []
    indptr = [0]
    coverage: list[float] = []
    for doc in docs:
        vector, cov = tfidf(doc, idf)
        coverage.append(cov)
        for feature, value in sorted(vector.items()):
            cols.append(index[feature])
            data.append(value)
        indptr.append(len(cols))
    return csr_matrix((data, cols, indptr), shape=(len(docs), len(index))), coverage


def fit(
    docs: list[Counter[str]], y: list[int], weight: list[float], prune: bool = True
) -> tuple[dict[str, float], LogisticRegression]:
    """Fit on every df>=2 feature; to ship, drop the near-zero ones and refit on the rest."""
    idf = build_idf(docs)
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=1000)
    model.fit(matrix(docs, idf)[0], y, sample_weight=weight)
    if not prune:
        return idf, model
    strength = np.abs(model.coef_).max(axis=0)
    kept = {f for f, s in zip(sorted(idf), strength, strict=True) if s >= KEEP_WEIGHT}
    idf = {f: v for f, v in idf.items() if f in kept}
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=1000)
    model.fit(matrix(docs, idf)[0], y, sample_weight=weight)
    return idf, model


def cross_validate(rows: list[dict[str, Any]], docs: list[Counter[str]]) -> dict[str, Any]:
    """Out-of-fold logits and coverage for the project's prompts."""
    y = np.array([LABELS.index(r["label"]) for r in rows])
    weight = [_weight(r) for r in rows]
    folds = np.array([r["fold"] for r in rows])
    dev = np.array([r["dev"] for r in rows])
    logits = np.zeros((len(rows), len(LABELS)))
    coverage = np.zeros(len(rows))
    for k in range(FOLDS):
        train = np.flatnonzero(folds != k)
        test = np.flatnonzero((folds == k) & dev)
        idf, model = fit(
            [docs[i] for i in train],
            [int(y[i]) for i in train],
            [weight[i] for i in train],
            prune=False,
        )
        x, cov = matrix([docs[i] for i in test], idf)
        logits[test] = model.decision_function(x)
        coverage[test] = cov
    mask = dev
    return {"logits": logits[mask], "y": y[mask], "coverage": coverage[mask], "rows": mask}


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    best, best_nll = 1.0, math.inf
    for t in np.arange(0.3, 4.01, 0.05):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = float(-logp[np.arange(len(y)), y].mean())
        if nll < best_nll:
            best, best_nll = float(round(t, 2)), nll
    return best


def serialise(
    idf: dict[str, float], model: LogisticRegression, temperature: float, coverage_at: float
) -> bytes:
    coef = model.coef_
    order = [list(model.classes_).index(i) for i in range(len(LABELS))]
    table = {
        f: [round(idf[f], 4), *(round(float(coef[c, j]), 4) for c in order)]
        for j, f in enumerate(sorted(idf))
    }
    payload = {
        "format": FORMAT_VERSION,
        "labels": list(LABELS),
        "bias": [round(float(model.intercept_[c]), 4) for c in order],
        "temperature": temperature,
        "full_coverage_at": coverage_at,
        "features": table,
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as handle:
        handle.write(text.encode())
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--check", action="store_true", help="compare with --out, don't write")
    parser.add_argument("--limit", type=int, help="rows per source (a quick smoke run)")
    args = parser.parse_args()
    rows = load_dev(args.limit) + load_shared(args.shared_eval, args.limit)
    docs = [features(r["text"]) for r in rows]
    print(f"training rows {len(rows)}: {dict(Counter(r['label'] for r in rows))}")
    cv = cross_validate(rows, docs)
    temperature = fit_temperature(cv["logits"], cv["y"])
    coverage_at = round(float(np.percentile(cv["coverage"], 10)), 3)
    correct = cv["logits"].argmax(axis=1) == cv["y"]
    langs = np.array([r.get("lang", "?") for r, keep in zip(rows, cv["rows"], strict=True) if keep])
    for lang in sorted(set(langs)):
        accuracy = correct[langs == lang].mean()
        print(f"out-of-fold accuracy on the project's prompts, {lang}: {accuracy:.3f}")
    pred = cv["logits"].argmax(axis=1)
    print("confusion (rows gold, columns predicted): " + " ".join(x[-8:] for x in LABELS))
    for i, label in enumerate(LABELS):
        print(
            f"  {label[-8:]:>8} "
            + " ".join(
                f"{int(((cv['y'] == i) & (pred == j)).sum()):>8}" for j in range(len(LABELS))
            )
        )
    print(f"temperature {temperature}, full coverage at {coverage_at}")
    idf, model = fit(docs, [LABELS.index(r["label"]) for r in rows], [_weight(r) for r in rows])
    blob = serialise(idf, model, temperature, coverage_at)
    print(f"features kept {len(idf)}, artefact {len(blob) / 1024:.0f} KiB")
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == blob
        print("artefact reproduced" if same else f"artefact differs from {args.out}")
        return 0 if same else 1
    args.out.write_bytes(blob)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
