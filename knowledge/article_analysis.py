"""One article's bytes → its sentence spans and analysed terms: the per-article half of indexing.

Kept apart from ``knowledge.index`` so that a worker process (``knowledge.analysis_pool``) imports
only what this step needs, and because its result, ``ArticleAnalysis``, is what the service keeps
per content hash: an unchanged article is never split or analysed again.
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

from knowledge.analysis import Analyzer, normalise
from knowledge.compact import SpanArray
from knowledge.cues import implied_words, leans
from knowledge.ingest import match_key, plain_match_key
from knowledge.model import Article
from knowledge.sentences import sentence_spans

# Sentence spans of one article, before repeats are removed: (paragraph number, start, end) with
# offsets into the paragraph's text. Keyed by the article's sha256 so a reload re-splits only
# articles whose bytes changed (splitting is the slow step of indexing).
Spans = Sequence[tuple[int, int, int]]  # a list, or a SpanArray
SpanCache = MutableMapping[str, Spans]
Paragraphs = Sequence[tuple[int, str]]  # (number, text) of each paragraph of an article


def paragraphs_of(article: Article) -> list[tuple[int, str]]:
    """What splitting and analysis read of an article: its paragraphs' numbers and texts."""
    return [(p.number, p.text) for p in article.paragraphs]


def article_spans(article: Article) -> Spans:
    return paragraph_spans(paragraphs_of(article))


def paragraph_spans(paragraphs: Paragraphs) -> list[tuple[int, int, int]]:
    return [
        (number, start, end)
        for number, text in paragraphs
        for start, end in sentence_spans(text)
    ]


def _joined(strings: tuple[str, ...]) -> tuple[int, str] | tuple[str, ...]:
    """Strings as one NUL-joined string, for pickling (one object, not thousands), if no string
    holds a NUL; else as they are."""
    joined = "\0".join(strings)
    return (len(strings), joined) if joined.count("\0") == max(len(strings) - 1, 0) else strings


def _interned(packed: tuple[int, str] | tuple[str, ...]) -> tuple[str, ...]:
    if len(packed) == 2 and isinstance(packed[0], int):
        count, joined = packed
        strings = joined.split("\0") if count else []
    else:
        strings = packed  # type: ignore[assignment]
    return tuple(map(sys.intern, strings))


@dataclass(frozen=True, slots=True)
class ArticleAnalysis:
    """What indexing one article's bytes gives, kept by the service per content hash (and
    analyser settings) so that a reload never analyses an unchanged article again.

    Kept for every article as long as the bot runs, and read by the knowledge base for its
    sentences' terms (``TermTable``): so in flat arrays, not a tuple per span (a tuple of
    terms and a tuple of offsets per sentence were about 270 bytes; this is about 80).
    """

    spans: SpanArray
    # the article's distinct terms, interned (the strings are shared across articles)
    vocabulary: tuple[str, ...]
    # each span's terms (its words', then implied ones') as indexes into ``vocabulary``, one
    # span after another; ``term_ends[i]``: where span ``i``'s terms end
    term_ids: array[int]
    term_ends: array[int]
    # the surface tokens analysed (names, the spelling dictionary): interned, so the strings
    # are shared across articles and only a tuple of pointers is kept per article
    words: tuple[str, ...]
    leaning: frozenset[int]  # the spans that lean on the sentence before (few)
    # each span's match key as a 16-byte digest (``key_digest``), one after another: what
    # repeats are found by, without the keys themselves (a million strings while building)
    keys: bytes

    def terms(self, span: int) -> tuple[str, ...]:
        """The terms of span number ``span``, in order (repeats kept)."""
        start = self.term_ends[span - 1] if span else 0
        return tuple(map(self.vocabulary.__getitem__, self.term_ids[start : self.term_ends[span]]))

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Sent back from worker processes: the strings travel as one string each way and are
        # interned where unpickled, so that every article's copy of "tariff" is one object
        # again (else a million-sentence load would hold millions of duplicate strings).
        return _rebuild, (
            self.spans,
            _joined(self.vocabulary),
            self.term_ids,
            self.term_ends,
            _joined(self.words),
            tuple(self.leaning),
            self.keys,
        )


def _rebuild(
    spans: SpanArray,
    vocabulary: tuple[int, str] | tuple[str, ...],
    term_ids: array[int],
    term_ends: array[int],
    words: tuple[int, str] | tuple[str, ...],
    leaning: tuple[int, ...],
    keys: bytes,
) -> ArticleAnalysis:
    return ArticleAnalysis(
        spans, _interned(vocabulary), term_ids, term_ends, _interned(words), frozenset(leaning),
        keys,
    )


AnalysisCache = MutableMapping[str, ArticleAnalysis]


def analyse_article(
    article: Article, analyzer: Analyzer, spans: Spans | None = None
) -> ArticleAnalysis:
    return analyse_paragraphs(paragraphs_of(article), analyzer, spans)


def analyse_paragraphs(
    paragraphs: Paragraphs, analyzer: Analyzer, spans: Spans | None = None
) -> ArticleAnalysis:
    """Split (unless ``spans`` are known) and analyse the paragraphs of one article."""
    if spans is None:
        spans = paragraph_spans(paragraphs)
    texts = dict(paragraphs)
    words: set[str] = set()
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    ends = array("I")
    leaning = []
    keys: list[bytes] = []
    for at_span, (number, start, end) in enumerate(spans):
        text = texts[number][start:end]
        plain = normalise(text)  # once for both: the match key and the terms start from it
        keys.append(_digest(plain_match_key(plain)))
        found = analyzer.plain_terms(plain, words)
        implied = implied_words(text)
        if implied:
            found += analyzer.terms(implied, words)
        ids += [vocabulary.setdefault(term, len(vocabulary)) for term in found]
        ends.append(len(ids))
        if leans(text):
            leaning.append(at_span)
    return ArticleAnalysis(
        SpanArray(spans),
        tuple(map(sys.intern, vocabulary)),
        array("H" if len(vocabulary) <= 1 << 16 else "I", ids),
        ends,
        tuple(sorted(map(sys.intern, words))),
        frozenset(leaning),
        b"".join(keys),
    )


def key_digest(text: str) -> bytes:
    """A 16-byte digest of the match key of a sentence: two sentences are the same sentence when
    their digests are (BLAKE2b: a chance collision is about as likely as one of SHA-256, by
    which the cache already tells articles apart)."""
    return _digest(match_key(text))


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=16).digest()
