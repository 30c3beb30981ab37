"""Retrieval benchmarks: the project's scorer beside rank-bm25 and bm25s. Run ``python -m benchmarks``."""
