"""Rows and e5 vectors of the attack stage (``attack_stage.py``): sources, caps, head and tail.

Rows: the attack (injection + jailbreak), extraction and benign rows of the classifier's corpora
(``guard_corpora.all_rows``), the hand-written ``harm_rows.EXTRA_GROUPS`` and ``EXTRA_GROUPS``
here (the strangers' sets v8 and v9, dev data since session 9; the session-10 training files
``dev_written_s10_e``–``_g``, ``_s11_h`` and ``_s12_i``, added after they were scored untouched;
the stranger's set v10, dev data since session 10, added in session 12; v11 is not a group), and
since session 26's round 29 the later groups the dev report names (``later_groups()``: the n-gram
build's shipped optional groups, less their ``GROUP_SKIPS`` categories). Harmful
requests are left out: the harm head owns them. Each (group, class) cell is capped (seeded) so
that embedding stays affordable. Vectors: e5 of the first 400 characters (``harm_rows.embed_all``,
the same cache), and for prompts longer than that, of the last 400 (``tails``). Paths naming
``sealed.SEALED`` are refused.
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from guard_corpora import Row
from guard_groups import (
    EIGHTH_INDEPENDENT_SET,
    GROUP_SKIPS,
    NINTH_INDEPENDENT_SET,
    OPTIONAL_GROUPS,
    shipped_optional_groups,
)
from harm_rows import EXTRA_GROUPS as HARM_GROUPS
from harm_rows import capped, embed_all, gathered

from llm_gateway.guardrails.harm_stage import HEAD_CHARS

REPO = Path(__file__).resolve().parents[1]
CAP = {"benign": 300, "attack": 400, "extraction": 300}  # rows per (group, class)
SEED = 0
EXTRA_GROUPS = {
    **HARM_GROUPS,
    "dev_heldout_v8": EIGHTH_INDEPENDENT_SET,
    "dev_heldout_v9": NINTH_INDEPENDENT_SET,
    **{f"dev_written_s10_{w}": f"dev_written_s10_{w}.jsonl" for w in "efg"},
    "dev_written_s11_h": "dev_written_s11_h.jsonl",
    "dev_heldout_v10": "heldout/guard_heldout_v10.jsonl",
    "dev_written_s12_i": "dev_written_s12_i.jsonl",
}
HEADS = {"attack": "attack", "extraction": "extraction"}  # head -> its positive class
# The harm head's form (``train_harm_stage.fit``): a logistic head averaged with a 64-unit MLP;
# leaving one writer out it beat the logistic head alone (docs/GUARDRAILS.md, session 10).
HIDDEN = 64


def select(rows: list[Row]) -> list[Row]:
    """Attack, extraction and benign rows, at most ``CAP`` per (group, class), seeded."""
    return capped(rows, CAP)


def later_groups() -> tuple[str, ...]:
    """The n-gram build's shipped optional groups that ``EXTRA_GROUPS`` lacks (session 26), sorted:
    the strangers' sets v11 onwards, the later writers, the evasion sets and the look-alike
    judges. A build records the names it used (``train_attack_stage.py --record``), so that a
    group registered later changes no rebuild of it."""
    return tuple(g for g in shipped_optional_groups() if g not in EXTRA_GROUPS)


def training_rows(args: argparse.Namespace) -> list[Row]:
    """The classifier's attack, extraction and benign rows plus ``EXTRA_GROUPS`` and the optional
    groups named in ``args.later_groups`` (less their ``GROUP_SKIPS`` categories, as the n-gram
    build trains on them), less ``--exclude-group``, capped per (source, class)."""
    later = {g: OPTIONAL_GROUPS[g] for g in getattr(args, "later_groups", None) or ()}
    return select(gathered(args, {**EXTRA_GROUPS, **later}, GROUP_SKIPS))


def tails(rows: list[Row], cache: Path) -> np.ndarray:
    """e5 vectors of the last ``HEAD_CHARS`` characters of each row longer than that (a zero
    vector for the others: ``attack_stage`` embeds a tail only for long prompts)."""
    long = [i for i, r in enumerate(rows) if len(r.text) > HEAD_CHARS]
    out = np.zeros((len(rows), 384), dtype=np.float32)
    if long:
        cut = [replace(rows[i], text=rows[i].text[-HEAD_CHARS:]) for i in long]
        out[long] = embed_all(cut, cache)
    return out


def labels(rows: list[Row], head: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows in ``head``'s training set, 1 for its positive class) — the other attack class
    is left out of each head."""
    keep = np.array([r.cls in ("benign", HEADS[head]) for r in rows])
    y = np.array([int(r.cls == HEADS[head]) for r in rows])
    return keep, y


def row_record(rows: list[Row]) -> dict[str, object]:
    """What the heads are fitted on, for the dev report: the row count, the rows per
    (group, class) cell, and a sha256 over every row in order (group, class, its text's sha256).

    ``train_attack_stage.py --check`` compares it before it compares arrays, so that a changed
    row set (a file edited, a group added, the seeded sample shifted) is told apart from a fit
    that does not repeat itself.
    """
    digest = hashlib.sha256()
    for r in rows:
        text = hashlib.sha256(r.text.encode()).hexdigest()
        digest.update(f"{r.group}\t{r.cls}\t{text}\n".encode())
    cells = Counter(f"{r.group}/{r.cls}" for r in rows)
    return {"count": len(rows), "sha256": digest.hexdigest(), "cells": dict(sorted(cells.items()))}


def row_changes(recorded: dict[str, object], rows: list[Row]) -> list[str]:
    """How ``rows`` differ from a ``row_record`` (empty: the same rows, in the same order)."""
    now = row_record(rows)
    if now["sha256"] == recorded["sha256"]:
        return []
    was: dict[str, int] = recorded["cells"]  # type: ignore[assignment]
    new: dict[str, int] = now["cells"]  # type: ignore[assignment]
    changed = [
        f"{cell}: {was.get(cell, 0)} -> {new.get(cell, 0)} rows"
        for cell in sorted(set(was) | set(new))
        if was.get(cell, 0) != new.get(cell, 0)
    ]
    return changed or ["the same counts per (group, class), other rows or another order"]
