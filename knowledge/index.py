"""Articles → a searchable, immutable knowledge base of sentences.

A ``KnowledgeBase`` is never changed after it is built: a reload builds a new one and swaps the
reference, so a question is always answered from one whole index.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from knowledge.analysis import Analyzer
from knowledge.analysis_pool import analyse_articles
from knowledge.article_analysis import (
    AnalysisCache,
    ArticleAnalysis,
    SpanCache,
    Spans,
    article_spans,
)
from knowledge.compact import TermTable
from knowledge.config import KnowledgeConfig, RetrievalConfig
from knowledge.cues import ATTRIBUTES, PERSON_NOUNS, Cue, leans, months_named, offers
from knowledge.ingest import load_articles, match_key
from knowledge.model import LEAD_KINDS, Article, Citation, Kind, Problem, Quote, Sentence
from knowledge.scoring import BM25Scorer
from knowledge.sentence_rows import SentenceRows, counts_in_ranges
from knowledge.sentence_table import SentenceTable
from knowledge.spelling import Speller, is_english
from knowledge.term_rows import term_rows

_CUE_BITS = {cue: 2 * k for k, cue in enumerate(Cue)}  # 7 cues: 14 bits of an unsigned short


class CueTable:
    """What each sentence offers a question's cues (a date, a person…), worked out when first
    asked for, one cue at a time.

    Only the candidates of a question are ever looked at, and a question asks for one or two
    cues: working out every cue of every sentence at build time would double a reload for
    nothing. What was worked out is kept in two bits a cue a sentence (worked out, offered), an
    array of 2 bytes a sentence made with the table: a bot answering for months never grows it.
    Whether a sentence leans on the one before is asked of every candidate, so that one short
    pattern is run on every sentence while building.
    """

    def __init__(
        self, sentences: Sequence[Sentence], leaning: frozenset[int] | None = None
    ) -> None:
        self._sentences = sentences
        self._known = array("H", bytes(2 * len(sentences)))  # bit 2k: cue k worked out; 2k+1: offered
        if leaning is None:
            leaning = frozenset(i for i, s in enumerate(sentences) if leans(s.text))
        self._leaning = leaning
        self._leans = np.zeros(len(sentences), dtype=bool)  # the same, a byte a sentence
        self._leans[np.fromiter(leaning, dtype=np.int64, count=len(leaning))] = True

    def __len__(self) -> int:
        return len(self._sentences)

    def offers(self, sentence_id: int, cues: frozenset[Cue]) -> frozenset[Cue]:
        """Which of ``cues`` a sentence offers."""
        found = []
        known = self._known[sentence_id]
        text = None  # made once, for the first cue not yet worked out
        for cue in cues:
            bit = _CUE_BITS[cue]
            if not known >> bit & 1:
                text = self._text(sentence_id) if text is None else text
                known |= (1 | offers(text, cue) << 1) << bit
                self._known[sentence_id] = known
            if known >> bit & 2:
                found.append(cue)
        return frozenset(found)

    def _text(self, sentence_id: int) -> str:
        """A sentence's text; from a ``SentenceTable`` without making the whole ``Sentence``."""
        sentences = self._sentences
        if isinstance(sentences, SentenceTable):
            return sentences.text(sentence_id)
        return sentences[sentence_id].text

    def leans(self, sentence_id: int) -> bool:
        """Whether the sentence needs the one before it ("This could entail…")."""
        return sentence_id in self._leaning

    def leaning(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """For each of ``ids``, whether that sentence leans on the one before: many at once."""
        return self._leans[ids]


_MASK_BITS = 62  # terms a ``terms_held`` mask (an int64, sign bit left alone) can hold
ARTICLE_COUNTS_KEPT = 512  # terms whose per-article counts a knowledge base keeps
# A key term is found in at most this share of the articles (``KnowledgeBase.is_key_term``).
KEY_TERM_ARTICLES = 0.5


@dataclass(frozen=True)
class KnowledgeBase:
    articles: tuple[Article, ...]
    sentences: SentenceTable  # Sentence objects made on access
    terms: TermTable  # analysed terms of each sentence (tuples made on access)
    cues: CueTable
    scorer: BM25Scorer
    analyzer: Analyzer
    retrieval: RetrievalConfig
    problems: tuple[Problem, ...] = ()
    build_seconds: float = 0.0
    by_source: dict[str, Article] = field(default_factory=dict)
    speller: Speller = field(default_factory=Speller)
    names: frozenset[str] = frozenset()  # terms of proper names ("china", "stimson")
    months: frozenset[str] = frozenset()  # months the articles name ("April")
    # terms of each article's title and lead lines (headline, summary line, subtitle): what the
    # article as a whole is about, which its body sentences need not repeat
    lead_terms: dict[str, frozenset[str]] = field(default_factory=dict)
    lead_counts: Counter[str] = field(default_factory=Counter)  # leads naming each term
    news_leads: frozenset[int] = frozenset()  # each article's first body sentence
    dates: tuple[dt.date, ...] = ()  # the distinct dates of the articles, oldest first
    # ``article_counts`` of the terms found in more sentences than there are articles, worked
    # out while building: searching their long postings for every article's
    # start cost a question up to a few hundred microseconds a term
    common_counts: dict[str, np.ndarray] = field(default_factory=dict)
    rows: SentenceRows | None = None  # each sentence's terms as the scorer's rows, in order
    # each lead term's articles (by number): ``lead_terms`` the other way round
    lead_articles: dict[str, np.ndarray] = field(default_factory=dict)
    # each article's day (``day`` of its source), and how much older than the newest article
    # it is, in years (what ``answers._age`` gives that day; 0 when undated), by number
    article_days: tuple[dt.date | None, ...] = ()
    article_ages: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @cached_property
    def attribute_terms(self) -> frozenset[str]:
        """The terms of the nouns that name an attribute or point at someone the names already
        say (``cues.ATTRIBUTES``, ``cues.PERSON_NOUNS``), which a question's predicate leaves
        out: worked out once per knowledge base, not for every question."""
        return frozenset(
            term for word in ATTRIBUTES | PERSON_NOUNS for term in self.analyzer.terms(word)
        )

    def lead_masks(self, terms: Sequence[str]) -> npt.NDArray[np.int64]:
        """For each article (by number), a bit for each of ``terms`` (at most 63; bit k for
        ``terms[k]``) its title and lead lines name (``lead_terms``)."""
        masks = np.zeros(len(self.articles), dtype=np.int64)
        for k, term in enumerate(terms):
            naming = self.lead_articles.get(term)
            if naming is not None:
                masks[naming] |= np.int64(1) << np.int64(k)
        return masks

    @cached_property
    def recent_replies(self) -> dict[tuple[str, ...], tuple[int, ...]]:
        """The sentences the last questions' replies quoted first, by the questions (and the one
        before each): where a follow-up's story stands (``answers._thread``). A new knowledge
        base starts with none: a reload may have moved every sentence."""
        return {}

    @cached_property
    def article_starts(self) -> np.ndarray:
        """Each article's first sentence id, then the total (an article's ids are a range)."""
        return np.array(self.sentences.article_starts, dtype=np.int64)

    @cached_property
    def article_lengths(self) -> np.ndarray:
        """Sentences per article, by index into ``articles`` (an article's length over sentences)."""
        return np.diff(self.article_starts).astype(np.float64)

    def article_counts(self, term: str) -> np.ndarray:
        """Sentences holding ``term`` in each article (read-only), from the term's postings
        (ascending ids) and the articles' boundaries (an article's sentences are a range of ids):
        whichever of the two is shorter is searched in the other. Kept for the terms asked about
        most recently: a question reads a term's counts several times, and questions share
        their common terms."""
        return self._article_counts(term)

    def is_key_term(self, term: str) -> bool:
        """Whether some article holds ``term`` and at most ``KEY_TERM_ARTICLES`` of them do:
        a word of one story ("soybean", "TikTok"), not of every story ("China", "tariff")."""
        return 0 < self.articles_holding(term) <= KEY_TERM_ARTICLES * len(self.articles)

    def articles_holding(self, term: str) -> int:
        """How many articles hold ``term`` (``article_counts``' nonzero entries): kept for the
        terms asked about most recently, which reading a question, its key terms and its
        articles' relevance each count."""
        return self._articles_holding(term)

    @cached_property
    def _articles_holding(self) -> Callable[[str], int]:
        counts = self._article_counts

        @functools.lru_cache(maxsize=ARTICLE_COUNTS_KEPT)
        def holding(term: str) -> int:
            return int(np.count_nonzero(counts(term)))

        return holding

    @cached_property
    def memo(self) -> dict[str, object]:
        """What is worked out from this knowledge base alone when first needed, by its user's
        name for it (``relevance``: the articles' length norms): not again for every question.
        A new knowledge base starts with none."""
        return {}

    @cached_property
    def _article_counts(self) -> Callable[[str], np.ndarray]:
        # ~16 KB a term at 4,000 articles: 512 terms hold 8 MB at most. The function holds the
        # scorer and the boundaries, not the knowledge base: no cycle keeps a retired one alive.
        docs_with, common = self.scorer.docs_with, self.common_counts
        starts, number = self.article_starts, self.sentences.articles_of

        @functools.lru_cache(maxsize=ARTICLE_COUNTS_KEPT)
        def counts(term: str) -> np.ndarray:
            found = common.get(term)
            return _article_counts(docs_with(term), starts, number) if found is None else found

        return counts

    def terms_held(self, ids: Sequence[int], terms: Iterable[str]) -> list[frozenset[str]]:
        """For each sentence of ``ids``, which of ``terms`` it holds: ``set(self.terms[i]) &
        set(terms)``, for many sentences at once.

        A question's ranking only ever asks its candidates about the question's own few terms
        (coverage, focus, names, what the article adds): the scorer's postings answer that with
        one binary search per term for all candidates, where making each candidate's tuple of
        terms meant reading its article's analysis, a few cache misses per candidate. Sentences
        holding the same terms share one frozenset."""
        wanted = list(dict.fromkeys(terms))
        rows = np.asarray(ids, dtype=np.int64)
        if not wanted or not len(rows):
            return [frozenset()] * len(rows)
        held = [self.scorer.holding(term, rows) for term in wanted]
        if len(wanted) > _MASK_BITS:  # a long question: no bit mask, one set per sentence
            return [frozenset(t for t, h in zip(wanted, column, strict=True) if h)
                    for column in np.array(held).T.tolist()]
        masks = np.zeros(len(rows), dtype=np.int64)
        for bit, found in enumerate(held):
            masks |= found.astype(np.int64) << bit
        sets: dict[int, frozenset[str]] = {}
        out = []
        for mask in masks.tolist():
            found_set = sets.get(mask)
            if found_set is None:
                found_set = sets[mask] = frozenset(
                    t for bit, t in enumerate(wanted) if mask >> bit & 1
                )
            out.append(found_set)
        return out

    def __len__(self) -> int:
        return len(self.sentences)

    def article(self, source: str) -> Article:
        return self.by_source[source]

    def newest_first(self) -> list[Article]:
        """Articles by date, newest first; undated ones last (by name)."""
        return sorted(self.articles, key=lambda a: (a.date is not None, a.date and a.date.day),
                      reverse=True)


    def event_date(self, words: str) -> dt.date | None:
        """When an event named in a question ("Geneva", "the London talks") happened: the date of
        the earliest article whose title or lead lines name it (its first word alone, failing all
        of them). Articles recalling it later name it in their body, not in their lead. Only a
        name makes an event: "before talks can start" names none."""
        name = set(self.analyzer.terms(words.split()[0]))
        if not name or not name <= self.names:
            return None
        if any(self.lead_counts[t] > max(2, len(self.articles) // 4) for t in name):
            return None  # a party to every story ("Beijing"), not an event
        for tried in (words, words.split()[0]):
            terms = set(self.analyzer.terms(tried))
            days = [
                a.date.day
                for a in self.articles
                if terms and a.date is not None and terms <= self.lead_terms.get(a.source, set())
            ]
            if days:
                return min(days)
        return None

    def lead_rarity(self, term: str) -> float:
        """1 for a term one article's lead names, 0 for one every article's lead names."""
        articles = len(self.lead_terms)
        return 1 - self.lead_counts.get(term, 0) / articles if articles > 1 else 0.0

    def day(self, source: str) -> dt.date | None:
        article = self.by_source.get(source)
        return article.date.day if article is not None and article.date is not None else None

    def citations(self, quotes: Iterable[Quote]) -> dict[str, Citation]:
        """What a reply shows about each quoted source."""
        return {q.sentence.source: Citation.of(self.by_source[q.sentence.source]) for q in quotes}

    def previous(self, sentence: Sentence) -> Sentence | None:
        """The sentence just before, in the same article's body (what a leaning sentence leans
        on): a paragraph may open on the one before it ("That call, placed at Trump's request,
        lasted about an hour and a half" after "…the leaders' June 5 phone call")."""
        before = self.sentences.previous_id(sentence.id)
        return None if before is None else self.sentences[before]



def _article_counts(
    docs: np.ndarray, starts: np.ndarray, number: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Sentences holding a term in each article (read-only), from the term's postings
    (``docs``, ascending), the articles' first sentences (``starts``, the total last) and each
    sentence's article (``number``)."""
    found = counts_in_ranges(docs, starts)  # compiled: one merge of the two
    if found is None and len(docs) < len(starts):  # few postings: each one's article
        found = np.bincount(number(docs), minlength=len(starts) - 1)
    elif found is None:  # many: cut them at each article's start (searched as the postings'
        # own type, or NumPy would copy every posting to the boundaries' type first)
        found = np.diff(np.searchsorted(docs, starts.astype(docs.dtype, copy=False)))
    found = found.astype(np.int32, copy=False)
    found.flags.writeable = False
    return found


def _lead_articles(
    articles: Sequence[Article], lead: dict[str, frozenset[str]]
) -> dict[str, np.ndarray]:
    """Each term of an article's title and lead lines, and the articles (by number) naming it."""
    naming: dict[str, list[int]] = {}
    for number, article in enumerate(articles):
        for term in lead.get(article.source, ()):
            naming.setdefault(term, []).append(number)
    return {term: np.array(found, dtype=np.int64) for term, found in naming.items()}


def _common_counts(scorer: BM25Scorer, sentences: SentenceTable) -> dict[str, np.ndarray]:
    """``article_counts`` of every term found in more sentences than there are articles
    (``KnowledgeBase.common_counts``)."""
    starts = np.array(sentences.article_starts, dtype=np.int64)
    return {
        term: _article_counts(scorer.docs_with(term), starts, sentences.articles_of)
        for term in scorer.terms_in_at_least(len(starts))
    }


def split_article(
    article: Article, first_id: int, seen: set[str], spans: Spans | None = None
) -> list[Sentence]:
    """Sentences of one article, skipping any already seen (repeats across or within articles)."""
    text = article.text
    spans = article_spans(article) if spans is None else spans
    paragraphs = {p.number: p.text for p in article.paragraphs}
    kept = []
    for number, start, end in spans:
        key = match_key(paragraphs[number][start:end])
        kept.append(key not in seen)
        seen.add(key)
    return [
        Sentence(first_id + i, article.source, k.paragraph, k.number, k.kind, text[k.start : k.end],
                 k.start, k.end)
        for i, k in enumerate(_kept_sentences(article, spans, kept))
    ]


class _Kept(NamedTuple):
    """A sentence kept by ``_kept_sentences``: where it is, and which span it was cut from."""

    paragraph: int
    number: int  # 1-based among the kept sentences of its paragraph
    kind: Kind
    start: int  # offsets in the article's text
    end: int
    at_span: int  # its number among the article's spans


def _kept_sentences(article: Article, spans: Spans, kept: Sequence[bool]) -> list[_Kept]:
    """The sentences of the spans ``kept`` says to keep, numbered within their paragraphs."""
    paragraphs = {p.number: p for p in article.paragraphs}
    for paragraph in paragraphs.values():
        if not article.text.startswith(paragraph.text, paragraph.start):
            # a sentence is kept as offsets into the article's text: they must cut the same text
            raise ValueError(f"{article.source}: paragraph {paragraph.number} is not the "
                             f"article's text at offset {paragraph.start}")
    out: list[_Kept] = []
    numbers: dict[int, int] = {}
    for at_span, ((number, start, end), keep) in enumerate(zip(spans, kept, strict=True)):
        if not keep:
            continue
        paragraph = paragraphs[number]
        numbers[number] = numbers.get(number, 0) + 1
        at = paragraph.start + start
        # the length of paragraph.text[start:end], without making that string
        length = len(range(*slice(start, end).indices(len(paragraph.text))))
        out.append(_Kept(number, numbers[number], paragraph.kind, at, at + length, at_span))
    return out


def first_occurrences(analyses: Sequence[ArticleAnalysis]) -> npt.NDArray[np.bool_]:
    """For each span of these analyses, one article after another: whether no span before it
    has the same match key (a sentence is kept where it first occurs).

    By sorting the digests (numpy, in C) rather than filling a set of a million strings or
    bytes: 16 bytes a span."""
    digests = np.frombuffer(b"".join(a.keys for a in analyses), dtype=np.uint64).reshape(-1, 2)
    first = np.zeros(len(digests), dtype=bool)
    if len(digests):
        order = np.lexsort((digests[:, 1], digests[:, 0]))  # stable: ties in span order
        ordered = digests[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
        first[order[new]] = True
    return first


def build_knowledge_base(
    articles: Sequence[Article],
    analyzer: Analyzer,
    retrieval: RetrievalConfig,
    problems: Iterable[Problem] = (),
    progress: Callable[[Iterable[Article]], Iterable[Article]] | None = None,
    cache: SpanCache | None = None,
    analysis: AnalysisCache | None = None,
) -> KnowledgeBase:
    """Split, analyse and index; pure CPU work, safe to run in a worker thread.

    ``cache`` maps article hashes to their sentence spans; ``analysis`` to their whole analysis
    (valid for one analyser: the caller keeps one per alias table). Both are read and filled in.
    """
    started = time.perf_counter()
    sentences = SentenceTable(articles)
    analyses: list[ArticleAnalysis] = []
    at_spans = array("i")  # each sentence's span number in its article's analysis
    leaning: list[int] = []
    words: set[str] = set()
    # the articles not analysed yet (each content once), all at once: on every core if many
    todo: dict[str, Article] = {}
    for article in articles:
        if analysis is None or article.sha256 not in analysis:
            todo.setdefault(article.sha256, article)
    made = analyse_articles(
        list(todo.values()),
        analyzer,
        [cache.get(digest) if cache is not None else None for digest in todo],
    )
    fresh: dict[str, ArticleAnalysis] = {}
    try:
        for article in progress(articles) if progress else articles:
            done = analysis.get(article.sha256) if analysis is not None else None
            if done is None:
                done = fresh.get(article.sha256)
            if done is None:  # the first of its content: the next of ``todo``, in this order
                done = fresh[article.sha256] = next(made)
                if analysis is not None:
                    analysis[article.sha256] = done
            if cache is not None:
                cache[article.sha256] = done.spans
            analyses.append(done)
            words.update(done.words)
    finally:
        made.close()  # a build that fails half-way leaves no worker process behind
    del fresh
    first = first_occurrences(analyses)
    at = 0
    for number, (article, done) in enumerate(zip(articles, analyses, strict=True)):
        spans = len(done.spans)
        for kept in _kept_sentences(article, done.spans, first[at : at + spans].tolist()):
            sentence = sentences.add(
                number, kept.paragraph, kept.number, kept.kind, kept.start, kept.end
            )
            at_spans.append(kept.at_span)
            if kept.at_span in done.leaning:
                leaning.append(sentence)
        at += spans
    del first
    sentences.close()
    terms = TermTable(analyses, sentences.article_column, at_spans)
    speller = Speller(analyzer.known_words(words))  # the articles' words, not questions'
    names = name_terms(sentences, analyzer, words)
    rows, lengths, vocabulary = term_rows(analyses, sentences.article_column, at_spans)
    forward = SentenceRows(rows, lengths)  # before the scorer uses ``rows`` up
    scorer = BM25Scorer.from_rows(
        rows,
        lengths,
        vocabulary,
        variant=retrieval.variant,
        k1=retrieval.k1,
        b=retrieval.b,
        epsilon=retrieval.epsilon,
        delta=retrieval.delta,
    )
    lead = _lead_terms(articles, sentences, terms, analyzer)
    by_source = {a.source: a for a in articles}
    days = tuple(
        None if (found := by_source[a.source].date) is None else found.day for a in articles
    )
    dates = tuple(sorted({a.date.day for a in articles if a.date is not None}))
    return KnowledgeBase(
        articles=tuple(articles),
        sentences=sentences,
        terms=terms,
        cues=CueTable(sentences, frozenset(leaning)),
        scorer=scorer,
        analyzer=analyzer,
        retrieval=retrieval,
        problems=tuple(problems),
        build_seconds=time.perf_counter() - started,
        by_source=by_source,
        speller=speller,
        names=names,
        months=frozenset(m for article in articles for m in months_named(article.text)),
        lead_terms=lead,
        lead_counts=Counter(term for found in lead.values() for term in found),
        news_leads=_news_leads(sentences),
        dates=dates,
        common_counts=_common_counts(scorer, sentences),
        rows=forward,
        lead_articles=_lead_articles(articles, lead),
        article_days=days,
        article_ages=np.array(
            [0.0 if day is None else (dates[-1] - day).days / 365 for day in days]
        ),
    )


def _news_leads(sentences: SentenceTable) -> frozenset[int]:
    """Each article's first body sentence."""
    first: dict[str, int] = {}
    for i in sentences.ids_of_kinds((Kind.BODY,)):
        first.setdefault(sentences.source(i), i)
    return frozenset(first.values())


def _lead_terms(
    articles: Sequence[Article],
    sentences: SentenceTable,
    terms: Sequence[Sequence[str]],
    analyzer: Analyzer,
) -> dict[str, frozenset[str]]:
    lead: dict[str, set[str]] = {a.source: set(analyzer.terms(a.title)) for a in articles}
    for i in sentences.ids_of_kinds(LEAD_KINDS):
        lead[sentences.source(i)].update(terms[i])
    return {source: frozenset(found) for source, found in lead.items()}


# A capitalised word inside a sentence (after a space, bracket or quote), and one opening it.
_INNER_CAPITAL = re.compile(r"(?<=[\s(\"“‘'])[A-Z][\w'’-]*")
_FIRST_CAPITAL = re.compile(r"[\"“‘']?([A-Z][\w'’-]*)")


def name_terms(
    sentences: SentenceTable | Sequence[Sentence],
    analyzer: Analyzer,
    words: Iterable[str] | None = None,
) -> frozenset[str]:
    """Terms of proper names: words the articles write capitalised inside sentences and never in
    lower case ("Stimson", "Beijing"), or open a sentence with and are not English ("Yun"), plus
    canonical names such as "U.S.". Headlines are title case: they tell nothing. ``words``: the
    surface tokens of the sentences (by default, every token ``analyzer`` has analysed)."""
    capitalised: set[str] = set()
    first: set[str] = set()
    if isinstance(sentences, SentenceTable):
        pairs: Iterable[tuple[Kind, str]] = sentences.kinds_and_texts()
    else:
        pairs = ((s.kind, s.text) for s in sentences)
    for kind, text in pairs:
        if kind is Kind.HEADLINE:
            continue
        capitalised.update(_INNER_CAPITAL.findall(text))
        opening = _FIRST_CAPITAL.match(text)
        if opening:
            first.add(opening[1])
    capitalised.update(word for word in first if not is_english(word))
    seen = analyzer.seen_tokens() if words is None else words
    lower = {token for token in seen if token.islower()}
    names = {
        term
        for word in capitalised
        if word.lower() not in lower
        for term in analyzer.terms(word)
    }
    return frozenset(names | set(analyzer.aliases.case_sensitive.values()))


def load_knowledge_base(config: KnowledgeConfig) -> KnowledgeBase:
    """Read the seeds folder named in the configuration and index it."""
    articles, problems = load_articles(config.seeds, config.max_article_bytes)
    analyzer = Analyzer.from_aliases(config.aliases)
    return build_knowledge_base(articles, analyzer, config.retrieval, problems)
