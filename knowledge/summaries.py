"""Extractive summaries: the sentences that best cover an article, in article order, each cited.

Centrality (how much of the rest of the text a sentence shares, weighted by IDF) picks what matters;
maximal marginal relevance keeps the picks from saying the same thing twice; a small lead bonus
follows the news convention of putting the gist first.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from knowledge.index import KnowledgeBase
from knowledge.model import Kind, Quote, Sentence


class Length(StrEnum):
    SHORT = "short"
    LONG = "long"


SENTENCES = {Length.SHORT: 3, Length.LONG: 7}
REDUNDANCY = 0.7  # MMR trade-off: share of a pick's score that goes to novelty


@dataclass(frozen=True, slots=True)
class Summary:
    source: str | None  # None: the whole knowledge base
    quotes: tuple[Quote, ...]
    titles: dict[str, str]


def summarize(
    kb: KnowledgeBase, length: Length = Length.SHORT, source: str | None = None
) -> Summary:
    pool = [
        s
        for s in kb.sentences
        if (source is None or s.source == source)
        and s.kind is not Kind.HEADLINE
        and not kb.cues[s.id].leans
    ]
    if source is not None and source not in kb.by_source:
        raise KeyError(source)
    vectors = {s.id: _vector(kb, s) for s in pool}
    centrality = _centrality(pool, vectors)
    chosen: list[Sentence] = []
    wanted = SENTENCES[length]
    while pool and len(chosen) < wanted:

        def gain(s: Sentence) -> float:
            similar = max((_cosine(vectors[s.id], vectors[c.id]) for c in chosen), default=0.0)
            return REDUNDANCY * centrality[s.id] - (1 - REDUNDANCY) * similar

        best = max(pool, key=lambda s: (gain(s), -s.id))
        chosen.append(best)
        pool = [s for s in pool if s.id != best.id]
    chosen.sort(key=lambda s: s.id)
    quotes = tuple(Quote(s, centrality[s.id], (), s.text) for s in chosen)
    return Summary(source, quotes, kb.titles())


def _vector(kb: KnowledgeBase, sentence: Sentence) -> dict[str, float]:
    n = max(kb.scorer.corpus_size, 1)
    counts = Counter(kb.terms[sentence.id])
    return {t: c * math.log(1 + n / max(kb.scorer.doc_freq(t), 1)) for t, c in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def _centrality(pool: list[Sentence], vectors: dict[int, dict[str, float]]) -> dict[int, float]:
    """Mean similarity to the other sentences of the same article, plus a lead bonus, in [0, 1]."""
    by_source: dict[str, list[Sentence]] = {}
    for s in pool:
        by_source.setdefault(s.source, []).append(s)
    raw: dict[int, float] = {}
    for sentences in by_source.values():
        for rank, s in enumerate(sentences):
            others = [_cosine(vectors[s.id], vectors[o.id]) for o in sentences if o.id != s.id]
            mean = sum(others) / len(others) if others else 0.0
            raw[s.id] = mean + 0.1 / (1 + rank)
    top = max(raw.values(), default=1.0) or 1.0
    return {k: v / top for k, v in raw.items()}
