"""The retrieval systems behind one small interface: build from token lists, top-K ids.

Every system gets the same token lists (the project's ``Analyzer`` output). rank-bm25 and bm25s
also get the project's BM25 settings (BM25+, k1, b, delta from config/knowledge.yaml), so only the
engines differ. tantivy and SQLite FTS5 score with their own fixed Okapi BM25 (k1 1.2, b 0.75, no
delta; tantivy's idf is Lucene's ln(1 + (N - n + 0.5)/(n + 0.5))): the same work (a disjunction
of the question's terms, top K by BM25), slightly different scores, so their overlap with the
project's list is shown but not expected to be 100%.

K is what ``knowledge.answers.answer`` asks its scorer for (``CANDIDATES``), not a top 10: the
bot re-ranks that many.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from knowledge.answers import CANDIDATES
from knowledge.config import RetrievalConfig
from knowledge.scoring import BM25Scorer, rank_bm25_model

K = CANDIDATES


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
        """The top K that match a term, as ``answer`` takes them (BM25+ gives every sentence a
        floor score; the sentences at the floor are no candidates)."""
        assert self.scorer is not None
        floor = self.scorer.base_score(terms)
        return [doc for doc, score in self.scorer.top_k(terms, K) if score > floor]

    def index_bytes(self) -> int:
        assert self.scorer is not None
        return self.scorer.nbytes


@dataclass
class RankBM25:
    """rank-bm25's ``get_scores`` (the definition the project reproduces) and a top K by
    ``argpartition`` (cheaper than the ``argsort`` of its own ``get_top_n``)."""

    settings: RetrievalConfig
    name: str = "rank-bm25 get_scores + top-K"
    model: Any = None

    def build(self, corpus: Sequence[list[str]]) -> None:
        s = self.settings
        self.model = rank_bm25_model(
            corpus, s.variant, k1=s.k1, b=s.b, epsilon=s.epsilon, delta=s.delta
        )

    def query(self, terms: list[str]) -> list[int]:
        scores = self.model.get_scores(terms)
        k = min(K, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
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
    size: int = 0

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
        self.size = len(corpus)

    def query(self, terms: list[str]) -> list[int]:
        # An empty query is refused by its numba backend: a word it lacks means the same.
        k = min(K, self.size)
        docs, _ = self.retriever.retrieve([terms or [_NO_TERM]], k=k, show_progress=False)
        return docs[0].tolist()

    def index_bytes(self) -> int:
        retriever = self.retriever
        arrays = [retriever.scores[key] for key in ("data", "indices", "indptr")]
        if retriever.nonoccurrence_array is not None:
            arrays.append(retriever.nonoccurrence_array)
        size = sum(a.nbytes for a in arrays) + sys.getsizeof(retriever.vocab_dict)
        return size + sys.getsizeof(retriever.unique_token_ids_set)


def _token(term: str) -> str:
    """A term as one whitespace-free token ("rare earth" is one term of the project's)."""
    return term.replace(" ", "_")


@dataclass
class Tantivy:
    """tantivy (Rust, Lucene's design: block-max WAND over compressed postings) through its
    Python binding, indexed from the same tokens with its whitespace tokenizer, one segment, and
    queried with a boolean OR of term queries (no query parser in the timing)."""

    settings: RetrievalConfig
    name: str = "tantivy (Rust) top-K"
    index: Any = None
    searcher: Any = None
    schema: Any = None
    folder: Any = None  # the index's files (memory-mapped), removed with the system

    def build(self, corpus: Sequence[list[str]]) -> None:
        import tempfile

        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
        self.schema = builder.build()
        self.folder = tempfile.TemporaryDirectory(prefix="bench-tantivy-")
        self.index = tantivy.Index(self.schema, path=self.folder.name)
        writer = self.index.writer(heap_size=1_500_000_000, num_threads=1)  # one segment
        for terms in corpus:
            writer.add_document(tantivy.Document(body=" ".join(map(_token, terms))))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        if self.searcher.num_segments != 1:
            raise RuntimeError("tantivy built several segments: doc ids would not be positions")

    def query(self, terms: list[str]) -> list[int]:
        import tantivy

        distinct = list(dict.fromkeys(map(_token, terms)))
        if not distinct:
            return []
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "body", t))
                for t in distinct
            ]
        )
        return [address.doc for _, address in self.searcher.search(query, K).hits]

    def index_bytes(self) -> int:
        from pathlib import Path

        return sum(f.stat().st_size for f in Path(self.folder.name).rglob("*") if f.is_file())


@dataclass
class Fts5:
    """SQLite's full-text search (FTS5, in every Python), in memory, same tokens; ``bm25()``
    ranking over ``OR`` of the terms."""

    settings: RetrievalConfig
    name: str = "SQLite FTS5 top-K"
    db: Any = None

    def build(self, corpus: Sequence[list[str]]) -> None:
        import sqlite3

        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61')")
        self.db.executemany(
            "INSERT INTO t(rowid, body) VALUES (?, ?)",
            ((i, " ".join(map(_token, terms))) for i, terms in enumerate(corpus)),
        )
        self.db.commit()

    def query(self, terms: list[str]) -> list[int]:
        distinct = list(dict.fromkeys(map(_token, terms)))
        if not distinct:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in distinct)
        rows = self.db.execute(
            "SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?", (match, K)
        )
        return [row[0] for row in rows]

    def index_bytes(self) -> int:
        assert self.db is not None
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        return pages * self.db.execute("PRAGMA page_size").fetchone()[0]


def available_systems(settings: RetrievalConfig) -> list[System]:
    """The project, rank-bm25, SQLite FTS5, and bm25s and tantivy where they are installed."""
    systems: list[System] = [Project(settings), RankBM25(settings), Fts5(settings)]
    try:
        import tantivy  # noqa: F401
    except ImportError:
        pass
    else:
        systems.append(Tantivy(settings))
    try:
        import bm25s
    except ImportError:
        return systems
    systems.append(Bm25s(settings, "numpy"))
    if bm25s.NUMBA_AVAILABLE:
        systems.append(Bm25s(settings, "numba"))
    return systems
