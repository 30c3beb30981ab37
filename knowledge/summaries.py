"""Extractive summaries: the sentences that best cover an article, in article order, each cited.

Centrality (how much of the rest of the text a sentence shares, weighted by IDF) picks what matters;
maximal marginal relevance keeps the picks from saying the same thing twice; a small lead bonus
follows the news convention of putting the gist first.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from knowledge.index import KnowledgeBase
from knowledge.model import Citation, Kind, Quote, Sentence


class Length(StrEnum):
    SHORT = "short"
    LONG = "long"


SENTENCES = {Length.SHORT: 3, Length.LONG: 7}
REDUNDANCY = 0.6  # MMR trade-off: share of a pick's score that goes to novelty
MAX_ARTICLES = 30  # a summary of everything covers this many of the newest articles
MMR_POOL = 400


@dataclass(frozen=True, slots=True)
class Summary:
    source: str | None  # None: the whole knowledge base
    quotes: tuple[Quote, ...]
    sources: dict[str, Citation]


def summarize(
    kb: KnowledgeBase,
    length: Length = Length.SHORT,
    source: str | None = None,
    among: Collection[str] | None = None,
    sentences: int | None = None,
) -> Summary:
    """Summarise one ``source``, or the newest articles (of ``among``, when given), in
    ``sentences`` sentences (default: as many as ``length`` says)."""
    if source is not None and source not in kb.by_source:
        raise KeyError(source)
    sources = {source} if source is not None else _latest_sources(kb, among)
    pool = [
        s
        for s in kb.sentences
        if s.source in sources and s.kind is not Kind.HEADLINE and not kb.cues[s.id].leans
    ]
    vectors = {s.id: _vector(kb, s) for s in pool}
    centrality = _centrality(pool, vectors)
    # MMR over the most central sentences only: a huge article must not make this quadratic.
    pool = sorted(pool, key=lambda s: (-centrality[s.id], s.id))[:MMR_POOL]
    chosen: list[Sentence] = []
    wanted = sentences or SENTENCES[length]
    while pool and len(chosen) < wanted:

        def gain(s: Sentence) -> float:
            similar = max((_cosine(vectors[s.id], vectors[c.id]) for c in chosen), default=0.0)
            return REDUNDANCY * centrality[s.id] - (1 - REDUNDANCY) * similar

        best = max(pool, key=lambda s: (gain(s), -s.id))
        chosen.append(best)
        pool = [s for s in pool if not _same_slot(s, best)]
    chosen.sort(key=lambda s: s.id)
    quotes = tuple(Quote(s, centrality[s.id], (), s.text) for s in chosen)
    return Summary(source, quotes, kb.citations(quotes))


def _same_slot(a: Sentence, b: Sentence) -> bool:
    """One sentence per paragraph, and one of an article's own summary lines (summary, subtitle):
    they restate the same gist, which the summary needs once."""
    same_article = a.source == b.source
    lead_kinds = (Kind.SUMMARY, Kind.SUBTITLE)
    both_lead = a.kind in lead_kinds and b.kind in lead_kinds
    return same_article and (a.paragraph == b.paragraph or both_lead)


def _latest_sources(kb: KnowledgeBase, among: Collection[str] | None = None) -> set[str]:
    """A summary of everything covers the newest articles (by published date, then by name)."""
    articles = kb.articles if among is None else [a for a in kb.articles if a.source in among]
    ranked = sorted(
        enumerate(articles),
        key=lambda item: (item[1].metadata.published or "", item[0]),
        reverse=True,
    )
    return {article.source for _, article in ranked[:MAX_ARTICLES]}


def _vector(kb: KnowledgeBase, sentence: Sentence) -> dict[str, float]:
    n = max(kb.scorer.corpus_size, 1)
    counts = Counter(kb.terms[sentence.id])
    return {t: c * math.log(1 + n / max(kb.scorer.doc_freq(t), 1)) for t, c in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def _centrality(pool: list[Sentence], vectors: dict[int, dict[str, float]]) -> dict[int, float]:
    """Similarity to the rest of its article (its centroid minus itself) plus a lead bonus,
    scaled to [0, 1]. Linear in the article's length."""
    by_source: dict[str, list[Sentence]] = {}
    for s in pool:
        by_source.setdefault(s.source, []).append(s)
    raw: dict[int, float] = {}
    for sentences in by_source.values():
        centroid: Counter[str] = Counter()
        for s in sentences:
            centroid.update(vectors[s.id])
        centroid_norm2 = sum(w * w for w in centroid.values())
        for rank, s in enumerate(sentences):
            vector = vectors[s.id]
            # cosine(v, centroid - v), without building centroid - v for every sentence
            own = sum(w * w for w in vector.values())
            dot = sum(w * centroid[t] for t, w in vector.items()) - own
            rest_norm2 = max(centroid_norm2 - 2 * (dot + own) + own, 0.0)
            denominator = math.sqrt(own * rest_norm2)
            similarity = dot / denominator if denominator > 1e-12 else 0.0
            raw[s.id] = similarity + 0.1 / (1 + rank)
    top = max(raw.values(), default=1.0) or 1.0
    return {k: v / top for k, v in raw.items()}
