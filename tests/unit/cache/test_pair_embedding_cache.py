"""The evaluation scripts' per-text embedding cache (``pairs.embed_texts``).

Two evaluations sharing one cache directory must not corrupt it: each process writes its own
temporary file and renames it into place, so a half-written file of another process is never
overwritten or renamed by this one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.pairs import embed_texts


class _Embedder:
    dim = 4

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> Vectors:
        self.calls += len(texts)
        return np.array([[len(t), 1.0, 0.0, 0.0] for t in texts], np.float32)


def test_vectors_are_cached_per_text_across_runs(tmp_path: Path) -> None:
    first = _Embedder()
    embed_texts(["a", "bb"], first, tmp_path)
    again = _Embedder()
    vectors = embed_texts(["bb", "a", "ccc"], again, tmp_path)
    assert again.calls == 1  # only "ccc" was new
    assert vectors[:, 0].tolist() == [2.0, 1.0, 3.0]


def test_another_process_half_written_file_is_left_alone(tmp_path: Path) -> None:
    # What another evaluation mid-save leaves: the temporary name every process used before.
    foreign = tmp_path / "texts.tmp.npz"
    foreign.write_bytes(b"PK\x03\x04 half a zip")
    embed_texts(["a"], _Embedder(), tmp_path)
    assert foreign.read_bytes() == b"PK\x03\x04 half a zip"
    assert np.load(tmp_path / "texts.npz")["k"].shape == (1,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["texts.npz", "texts.tmp.npz"]
