"""Extractive summaries: the sentences that best cover an article, in article order, each cited.

Centrality (how much of the rest of the text a sentence shares, weighted by IDF) picks what matters;
maximal marginal relevance keeps the picks from saying the same thing twice; a small lead bonus
follows the news convention of putting the gist first.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from knowledge.index import KnowledgeBase
from knowledge.model import Citation, Kind, Quote, Sentence


class Length(StrEnum):
    SHORT = "short"
    LONG = "long"


SENTENCES = {Length.SHORT: 3, Length.LONG: 7}
# Earlier articles a summary of everything lists after where things stand now, one line each,
# and the sentences of where things stand when such lines follow.
EARLIER = {Length.SHORT: 3, Length.LONG: 6}
NOW_SENTENCES = {Length.SHORT: 2, Length.LONG: 3}
REDUNDANCY = 0.6  # MMR trade-off: share of a pick's score that goes to novelty
MAX_ARTICLES = 30  # a summary of undated articles covers this many of them
MMR_POOL = 400


@dataclass(frozen=True, slots=True)
class Summary:
    source: str | None  # None: the whole knowledge base
    quotes: tuple[Quote, ...]  # where things stand: the newest article(s), in article order
    sources: dict[str, Citation]
    # how things got there: one line for each earlier article, oldest first (dated ones only)
    timeline: tuple[Quote, ...] = ()

    @property
    def all_quotes(self) -> tuple[Quote, ...]:
        return self.quotes + self.timeline


def summarize(
    kb: KnowledgeBase,
    length: Length = Length.SHORT,
    source: str | None = None,
    among: Collection[str] | None = None,
    sentences: int | None = None,
    earlier: int | None = None,
) -> Summary:
    """Summarise one ``source``; or everything (``among`` only, when given): where things stand,
    from the newest article(s), then a line for each of the ``earlier`` articles before them.
    ``sentences`` and ``earlier`` default to what ``length`` says."""
    if source is not None and source not in kb.by_source:
        raise KeyError(source)
    if source is not None:
        now, before = {source}, []
    else:
        now, before = _now_and_before(kb, among)
    wanted = EARLIER[length] if earlier is None else earlier
    timeline = tuple(event_lines(kb, before[-wanted:])) if wanted else ()
    # with a timeline to follow, where things stand is told in fewer sentences
    quotes = _extract(kb, now, sentences or (NOW_SENTENCES if timeline else SENTENCES)[length])
    return Summary(source, quotes, kb.citations(quotes + timeline), timeline)


def event_lines(kb: KnowledgeBase, sources: Sequence[str]) -> list[Quote]:
    """One quote for each article, in the order given: the line that says what happened — its
    summary line, else its subtitle, else its first body sentence (a news lead)."""
    first: dict[str, dict[Kind, Sentence]] = {source: {} for source in sources}
    for s in kb.sentences.of_sources(first):
        if s.number == 1:
            first[s.source].setdefault(s.kind, s)
    lines = []
    for source in sources:
        found = first[source]
        line = next((found[k] for k in (Kind.SUMMARY, Kind.SUBTITLE, Kind.BODY) if k in found), None)
        if line is not None:
            lines.append(Quote(line, 1.0, (), line.text))
    return lines


def dated_events(kb: KnowledgeBase) -> list[Quote]:
    """Every dated article's line, oldest first: the dispute as a sequence of events."""
    return event_lines(kb, [a.source for a in reversed(kb.newest_first()) if a.date is not None])


def _now_and_before(kb: KnowledgeBase, among: Collection[str] | None) -> tuple[set[str], list[str]]:
    """The articles of the newest date (of ``among``), and the dated ones before it, oldest
    first. Without dates, the latest articles by name make up "now"."""
    articles = [a for a in kb.newest_first() if among is None or a.source in among]
    dated = [a for a in articles if a.date is not None]
    if not dated:
        return {a.source for a in sorted(articles, key=lambda a: a.source)[-MAX_ARTICLES:]}, []
    newest = dated[0].date
    assert newest is not None
    now = {a.source for a in dated if a.date is not None and a.date.day == newest.day}
    return now, [a.source for a in reversed(dated) if a.source not in now]


def _extract(kb: KnowledgeBase, sources: set[str], wanted: int) -> tuple[Quote, ...]:
    """The ``wanted`` sentences that best cover these articles, in article order."""
    pool = [
        s
        for s in kb.sentences.of_sources(sources)
        if s.kind is not Kind.HEADLINE and not kb.cues.leans(s.id)
    ]
    vectors = {s.id: _vector(kb, s) for s in pool}
    centrality = _centrality(pool, vectors)
    # MMR over the most central sentences only: a huge article must not make this quadratic.
    pool = sorted(pool, key=lambda s: (-centrality[s.id], s.id))[:MMR_POOL]
    chosen: list[Sentence] = []
    while pool and len(chosen) < wanted:

        def gain(s: Sentence) -> float:
            similar = max((_cosine(vectors[s.id], vectors[c.id]) for c in chosen), default=0.0)
            return REDUNDANCY * centrality[s.id] - (1 - REDUNDANCY) * similar

        best = max(pool, key=lambda s: (gain(s), -s.id))
        chosen.append(best)
        pool = [s for s in pool if not _same_slot(s, best)]
    chosen.sort(key=lambda s: s.id)
    return tuple(Quote(s, centrality[s.id], (), s.text) for s in chosen)


def _same_slot(a: Sentence, b: Sentence) -> bool:
    """One sentence per paragraph, and one of an article's own summary lines (summary, subtitle):
    they restate the same gist, which the summary needs once."""
    same_article = a.source == b.source
    lead_kinds = (Kind.SUMMARY, Kind.SUBTITLE)
    both_lead = a.kind in lead_kinds and b.kind in lead_kinds
    return same_article and (a.paragraph == b.paragraph or both_lead)


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
