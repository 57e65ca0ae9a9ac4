"""Thresholds chosen on strangers' sets, written into a guardrail classifier artefact.

``calibrate_guard_thresholds.py --json`` records the pair it chose (``chosen``: one threshold for
``injection`` and one for ``prompt_extraction`` on the script-calibrated scale);
``train_guardrails.py --calibration REPORT`` puts them in the artefact with ``calibrated``. The
report records which datasets chose the pair, not which fit: pass it to the build it was chosen
on. ``fold_thresholds.py --json`` records four instead (per script, session 26's round 30), and
since round 31 the fold builds' own arguments (``by_text``, ``train_args``); the trainer's default
``--calibration`` is that shipped report (``none``: the dev report's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

Limits = dict[str, dict[str, float]]  # script ("ko" / "other") -> class -> threshold


def calibration_path(text: str) -> Path | None:
    """A ``--calibration`` value: a report's path, or ``none`` for the dev report's thresholds."""
    return None if text.strip().lower() == "none" else Path(text)


# The categories ``calibrate_guard_thresholds.py`` chooses, by the class whose threshold they set.
CALIBRATED = {"attack": "injection", "extraction": "prompt_extraction"}


def calibrated(limits: Limits, chosen: dict[str, Any]) -> Limits:
    """``limits`` with the attack and extraction thresholds chosen on strangers' sets.

    ``chosen`` per script (``{"other": {"attack": .., "extraction": ..}, "ko": {..}}``, session
    26's ``fold_thresholds.py``) replaces those classes' thresholds of each script as given.

    Otherwise (``calibrate_guard_thresholds.py``) ``chosen`` holds one value per category on the
    script-calibrated scale (the Hangul scores are shifted by logit(other) - logit(ko)); the
    Korean threshold moves with it, so the shift, as the out-of-source dev run set it, stays the
    same.
    """

    def logit(p: float) -> float:
        return float(np.log(p / (1.0 - p)))

    out = {script: dict(values) for script, values in limits.items()}
    if "ko" in chosen:  # per script (``fold_thresholds.py``): both scripts' values replaced
        for script, values in chosen.items():
            if script not in out or not set(values) <= set(CALIBRATED):
                raise ValueError(f"a per-script report names {script}: {sorted(values)}")
            out[script].update(values)
        return out
    for cls, category in CALIBRATED.items():
        shift = logit(limits["other"][cls]) - logit(limits["ko"][cls])
        out["other"][cls] = chosen[category]
        out["ko"][cls] = float(1.0 / (1.0 + np.exp(-(logit(chosen[category]) - shift))))
    return out
