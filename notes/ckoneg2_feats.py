"""Dump pair_features(a, b, 0.95) per pair of each file (tree chosen by PYTHONPATH): a pair whose features are equal on two trees gets the same decision on both."""
import sys, orjson
from llm_gateway.cache.semantic.pairs import load_pair_spec
from llm_gateway.cache.semantic.features import pair_features
out = open(sys.argv[1], "wb")
for spec in sys.argv[2:]:
    name, pairs = load_pair_spec(spec)
    for i, p in enumerate(pairs):
        out.write(orjson.dumps({"file": name, "i": i, "lang": p.lang, "label": p.label, "f": pair_features(p.a, p.b, 0.95), "fl": pair_features(p.a, p.b, 0.95, True)}) + b"\n")
