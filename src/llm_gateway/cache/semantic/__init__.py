"""Semantic cache: embeddings, a per-namespace vector index, a verifier and adaptive thresholds."""
