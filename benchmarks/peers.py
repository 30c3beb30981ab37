"""The three retrieval systems behind one small interface: build from token lists, top-10 ids.

Every system gets the same token lists (the project's ``Analyzer`` output) and the project's
BM25 settings (BM25+, k1, b, delta from config/knowledge.yaml), so only the engines differ.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from knowledge.config import RetrievalConfig
from knowledge.scoring import BM25Scorer, rank_bm25_model

K = 10


class System(Protocol):
    name: str

    def build(self, corpus: Sequence[list[str]]) -> None: ...

    def query(self, terms: list[str]) -> list[int]: ...

    def index_bytes(self) -> int: ...


@dataclass
class Project:
    """``knowledge.scoring.BM25Scorer.top_k``: what the bot's answers rank with."""

    settings: RetrievalConfig
    name: str = "project BM25Scorer.top_k"
    scorer: BM25Scorer | None = None

    def build(self, corpus: Sequence[list[str]]) -> None:
        s = self.settings
        self.scorer = BM25Scorer(
            corpus, s.variant, k1=s.k1, b=s.b, epsilon=s.epsilon, delta=s.delta
        )

    def query(self, terms: list[str]) -> list[int]:
        assert self.scorer is not None
        return [doc for doc, _ in self.scorer.top_k(terms, K)]

    def index_bytes(self) -> int:
        assert self.scorer is not None
        return self.scorer.nbytes


@dataclass
class RankBM25:
    """rank-bm25's ``get_scores`` (the definition the project reproduces) and a top-10 by
    ``argpartition`` (cheaper than the ``argsort`` of its own ``get_top_n``)."""

    settings: RetrievalConfig
    name: str = "rank-bm25 get_scores + top-10"
    model: Any = None

    def build(self, corpus: Sequence[list[str]]) -> None:
        s = self.settings
        self.model = rank_bm25_model(
            corpus, s.variant, k1=s.k1, b=s.b, epsilon=s.epsilon, delta=s.delta
        )

    def query(self, terms: list[str]) -> list[int]:
        scores = self.model.get_scores(terms)
        top = np.argpartition(-scores, K - 1)[:K]
        return top[np.lexsort((top, -scores[top]))].tolist()

    def index_bytes(self) -> int:
        model = self.model
        size = sys.getsizeof(model.doc_freqs) + sum(map(sys.getsizeof, model.doc_freqs))
        size += sys.getsizeof(model.doc_len) + sys.getsizeof(model.idf)
        return size + 24 * len(model.idf)  # the idf floats


_NO_TERM = "\x00"
_BM25S_METHODS = {"plus": "bm25+", "l": "bm25l", "okapi": "robertson"}


@dataclass
class Bm25s:
    """bm25s indexed from the same token lists (its own vocabulary and sparse matrix) and
    queried with them through its public ``retrieve``."""

    settings: RetrievalConfig
    backend: str = "numpy"
    name: str = ""
    retriever: Any = None

    def __post_init__(self) -> None:
        self.name = self.name or f"bm25s retrieve ({self.backend} backend)"

    def build(self, corpus: Sequence[list[str]]) -> None:
        import bm25s

        s = self.settings
        self.retriever = bm25s.BM25(
            method=_BM25S_METHODS[s.variant],
            k1=s.k1,
            b=s.b,
            delta=s.delta,
            backend=self.backend,
        )
        self.retriever.index(list(corpus), show_progress=False)

    def query(self, terms: list[str]) -> list[int]:
        # An empty query is refused by its numba backend: a word it lacks means the same.
        docs, _ = self.retriever.retrieve([terms or [_NO_TERM]], k=K, show_progress=False)
        return docs[0].tolist()

    def index_bytes(self) -> int:
        retriever = self.retriever
        arrays = [retriever.scores[key] for key in ("data", "indices", "indptr")]
        if retriever.nonoccurrence_array is not None:
            arrays.append(retriever.nonoccurrence_array)
        size = sum(a.nbytes for a in arrays) + sys.getsizeof(retriever.vocab_dict)
        return size + sys.getsizeof(retriever.unique_token_ids_set)


def available_systems(settings: RetrievalConfig) -> list[System]:
    """The project, rank-bm25, and bm25s with each backend that is installed."""
    systems: list[System] = [Project(settings), RankBM25(settings)]
    try:
        import bm25s
    except ImportError:
        return systems
    systems.append(Bm25s(settings, "numpy"))
    if bm25s.NUMBA_AVAILABLE:
        systems.append(Bm25s(settings, "numba"))
    return systems
