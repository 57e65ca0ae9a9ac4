"""Shipped vs rebuilt attack heads: per-array diffs, and probabilities/verdicts on every eval/guardrails row."""
import glob, json, sys
from pathlib import Path
import numpy as np
tree = Path(sys.argv[1]); rebuilt = Path(sys.argv[2]); cache = Path(sys.argv[3])
sys.path.insert(0, str(tree / "scripts"))
from guard_corpora import Row
from harm_rows import embed_all
from llm_gateway.guardrails.attack_stage import load_attack_heads
from llm_gateway.guardrails.classifier import is_korean
data = tree / "src/llm_gateway/guardrails/data"
for name in ("attack_e5.npz", "extraction_e5.npz"):
    with np.load(data / name) as old, np.load(rebuilt / name) as new:
        print(name, "keys equal:", sorted(old.files) == sorted(new.files))
        for k in sorted(old.files):
            if old[k].dtype.kind not in "fiub":
                print(f"  {k:14s} {old[k].dtype} equal={np.array_equal(old[k], new[k])}")
                continue
            a, b = old[k].astype(np.float64), new[k].astype(np.float64)
            d = np.abs(a - b)
            print(f"  {k:14s} {str(old[k].shape):12s} {old[k].dtype} equal={np.array_equal(old[k], new[k])} "
                  f"max_abs={d.max():.3g} n_diff={int((old[k] != new[k]).sum())}/{old[k].size} max|old|={np.abs(a).max():.3g}")
if len(sys.argv) > 4 and sys.argv[4] == "--arrays-only":
    sys.exit(0)
old_h, new_h = load_attack_heads(data), load_attack_heads(rebuilt)
files = sorted(glob.glob(str(tree / "eval/guardrails/*.jsonl")) + glob.glob(str(tree / "eval/guardrails/heldout/*.jsonl")))
total = {c: [0, 0, 0.0] for c in old_h}
for f in files:
    rows = [Row(json.loads(l)["text"], "x", "x", "?", "x") for l in open(f, encoding="utf-8") if l.strip()]  # raw, as the gateway sees it
    x = embed_all(rows, cache)
    line = [Path(f).name, str(len(rows))]
    for c in old_h:
        go, gn = old_h[c].head.decides(), new_h[c].head.decides()
        assert go == gn, (go, gn)
        po = np.array([old_h[c].head.probability(v) for v in x])
        pn = np.array([new_h[c].head.probability(v) for v in x])
        ko = np.array([is_korean(r.text) for r in rows])
        lo = np.where(ko, go.threshold_ko, go.threshold); hi = np.where(ko, go.high_ko, go.high)
        # a verdict can change only if a boundary lies between the two probabilities
        flips = ((po >= lo) != (pn >= lo)) | ((po >= hi) != (pn >= hi))
        dmax = float(np.abs(po - pn).max())
        total[c][0] += len(rows); total[c][1] += int(flips.sum()); total[c][2] = max(total[c][2], dmax)
        line.append(f"{c}: max|dp|={dmax:.3g} possible_flips={int(flips.sum())}")
        for i in np.flatnonzero(flips):
            line.append(f"\n    FLIP {c} p_old={po[i]:.6f} p_new={pn[i]:.6f} ko={ko[i]} {rows[i].text[:80]!r}")
    print("  ".join(line), flush=True)
print("TOTAL", json.dumps(total))
