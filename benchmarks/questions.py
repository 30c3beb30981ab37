"""The realistic questions (benchmarks/questions.yaml): written by hand the way users ask, about
the corpus's topics, without reading the engine; analysed once, the same tokens for every system."""

from __future__ import annotations

from pathlib import Path

import yaml

from benchmarks.corpus import Query
from knowledge.analysis import Analyzer

QUESTIONS = Path(__file__).resolve().parent / "questions.yaml"


def realistic(analyzer: Analyzer, path: Path = QUESTIONS) -> tuple[list[Query], list[tuple[str, str]]]:
    """The questions as queries, and the (question, follow-up) pairs."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    queries = [Query(text, tuple(analyzer.terms(text))) for text in data["questions"]]
    pairs = [(str(a), str(b)) for a, b in data["follow_ups"]]
    return queries, pairs
