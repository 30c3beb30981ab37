"""Question → ``Answer``: the best sentences, verbatim and cited, or an honest "not in the articles".

Ranking is BM25 over sentences, re-ranked by features: question cues (who/when/where/why/how
many/how long), neighbouring words, the sentence's article, its place (headline, news lead), and
then by the time asked about (``timeframe``). Whether to answer at all is decided on *coverage*:
how much of the question's informative weight the best sentence matches. A question naming
something the articles never mention ("Canada", "GDP") is not answered with a sentence that
merely shares "China".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import islice, pairwise
from operator import itemgetter

import numpy as np

from knowledge import candidate_arrays
from knowledge.analysis import normalise, surface_tokens
from knowledge.backstory import tells_backstory
from knowledge.cues import (
    MONTH_NAMES,
    REQUIRED,
    SPELLED_NUMBERS,
    Cue,
    months_named,
    names_named,
    places_named,
    speculates,
    venues_named,
)
from knowledge.dates import days_stated, opens_with_dateline, weekdays_named
from knowledge.direction import goes_elsewhere
from knowledge.index import KnowledgeBase
from knowledge.intents import about_the_articles
from knowledge.model import LEAD_KINDS, Answer, Kind, Quote, Sentence
from knowledge.question import (
    NOTHING_TO_SEARCH,
    RARE_IN_ENGLISH,
    Question,
    read_question,
    tariffs_on,
)
from knowledge.ranking import (
    ARTICLE_BONUS,
    ARTICLE_RELEVANCE,
    CUE_BONUS,
    CUES,
    FEATURES,
    MAX_PAIRS,
    PAIR_BONUS,
    THREAD_NEAR,
    graded,
    most,
    multiplier,
)
from knowledge.relevance import article_relevance
from knowledge.spelling import english_frequency
from knowledge.timeframe import TimeAsked, When

# Of the share of the question's weight that a sentence's article names in its title and lead
# lines (and the sentence does not), how much counts towards the coverage a sentence needs to be
# quoted at all.
ARTICLE_COVERAGE = 0.5
# How much of the question's weight found only in the sentence a leaning one leans on counts
# towards its coverage ("It lasted about an hour" after "Trump met Xi in Busan").
CONTEXT_COVERAGE = 0.5
# Questions wanting the news of an article, not its backstory (``RankingWeights.backstory``).
_OF_NEWS = frozenset({When.NOW, When.PRESENT, When.LATER})
# The weight of a question word no article uses, as a share of the weight of the rarest word they
# do use: chat and common words ("sides", "rn") half of it; a word rare in English too, a name
# written in lower case ("canada", "walmart"), all of it: it is what is asked about. (1.6 raised
# abstention on the read sets, timeline 0.80 -> 0.84, fresh 0.967 -> 1.0, blind 0.914 -> 0.943,
# but a word rare in English is also how people ask in-scope questions: withdrawn when the unseen
# single-article set, scored only, lost an in-scope answer in the same round.)
UNKNOWN_OTHER = 0.5
UNKNOWN_SPECIFIC = 1.0
MAX_CONTEXT = 2  # sentences of context a leaning sentence may pull in
CANDIDATES = 200  # sentences re-ranked per question
FOLLOWERS = 30  # of the best candidates, the sentences leaning on them are candidates too
MAX_QUESTION_CHARS = 2000

# The share of the coverage bar a candidate needs where the question's context has already picked
# its article. A follow-up's story (``RankingWeights.thread``): "What did he say about it?" after
# "Xi made his first public comments…" is answered by the next sentence, "'There are no winners
# in a tariff war,' Xi said", which shares no word with it. An article of the period a question
# names: "How did China justify hitting back in July 2018?" is answered by the one article of
# July 2018, "China promised not to fire the first shot…", which shares little else with it. An
# article after the event a question of how things turned out asks about (``_after_event``): read
# sets no hit moved, precision +0.012, +0.008, -0.016; held-out hit@1 +1, hit@any +2.
PICKED_COVERAGE = 0.5
RECENT_REPLIES = 256  # previous replies kept per knowledge base (a follow-up's thread)

NOT_FOUND = "The articles I have don't answer that."
# (On one article that is everything after it; on many, later articles may not tell of it.)
AFTERWARDS = "The articles I have don't say how that turned out."
NOT_IN_PERIOD = "The articles I have from {period} don't answer that."

# A question about the present is answered first from the newest article whose answer scores at
# least this share of the best one (an older article's answer then follows, dated: a change over
# time reads as one). Present tense alone ("is China negotiating?") moves only near-ties; "how
# did it turn out" wants an answer from an article later than the one that best matches.
NOW_RATIO = 0.4
PRESENT_RATIO = 0.6
LATER_RATIO = 0.3
_TIME_RATIOS = {When.NOW: NOW_RATIO, When.PRESENT: PRESENT_RATIO, When.LATER: LATER_RATIO}
_OF_NOW = frozenset({When.NOW, When.PRESENT})
# An older article's answer follows the newest one ("Earlier, 25 Apr 2025: …") only when it held an
# earlier answer to the same question: its article is clearly older (at least this many days: a
# summit and its follow-up a week later are one state of things), and the sentence says all the
# question's terms the newest answer matches, and among them a key term (found in at most half
# the articles: ``KnowledgeBase.is_key_term``). A sentence sharing only the words of every article ("China",
# "tariff") is a passage on the same subject, not an earlier state of what was asked; one missing
# what the newest answer says ("rare earth") answers a neighbouring question.
EARLIER_DAYS = 14
# ONE_ARTICLE: a question not of now is answered from the article its best answer comes from.
# Another article's sentence scoring nearly as well mostly says the same words about something
# else ("the talks, held at …" of another round; a later article recalling the event in passing):
# on the multi-article read set such further quotes were relevant 3 times in 18. A tie (at least
# this share of the first quote's score) is quoted all the same: the words cannot tell which of
# the two articles answers, and the relevant ones were ties (0.98, 1.0), most others were not.
TIE_RATIO = 0.95
# A change over time ("how has the tariff changed since Geneva?") is told stage by stage: the
# best answer of each article that scores at least this share of the best answer.
CHANGE_RATIO = 0.5


def answer(kb: KnowledgeBase, question: str, context: Sequence[str] = ()) -> Answer:
    """Answer ``question``; ``context`` holds earlier questions of the conversation, oldest first.

    Stages: the question is read (``question.read_question``); a question about the articles
    themselves is answered from their lead lines (``intents``); otherwise candidates are found,
    scored by their features and ranked (``_rank``), reordered by the time asked about
    (``_by_time``), and quotes selected (``_choose``) and composed with their dates; a change
    over time is told stage by stage instead (``_stages``).
    """
    read = _read(kb, question, context)
    if isinstance(read, Answer):
        return read
    question = read.text
    quotes = _select(kb, read)
    # a follow-up goes on from where the story stands: a change told oldest first, its last
    _remember(kb, (*context[-1:], question), quotes[::-1] if read.time.change else quotes)
    if not quotes:
        if read.time.when is When.LATER:
            return Answer(question, False, reason=AFTERWARDS)
        if read.time.when is When.PERIOD:
            return Answer(question, False, reason=NOT_IN_PERIOD.format(period=read.time.label))
        return Answer(question, False, reason=NOT_FOUND)
    return Answer(question, True, tuple(quotes), sources=kb.citations(quotes))


def _read(
    kb: KnowledgeBase, question: str, context: Sequence[str], threaded: bool = True
) -> Question | Answer:
    """The question read for ranking, or the answer it gets without any: nothing to search, a
    question about the articles themselves, a refusal (an unknown name…). ``threaded``: a
    follow-up's thread is worked out (not for the previous question itself)."""
    question = question.strip()
    if not question or len(question) > MAX_QUESTION_CHARS or not kb.sentences:
        reason = NOTHING_TO_SEARCH if kb.sentences else "The knowledge base is empty."
        return Answer(question, False, reason=reason)
    read = read_question(kb, question, context)
    meta = about_the_articles(kb, read.asked, read.time)
    if meta:
        return Answer(question, True, meta, sources=kb.citations(meta))
    if read.refusal:
        return Answer(question, False, reason=read.refusal)
    if context and threaded:
        return dataclasses.replace(read, thread=_thread(kb, tuple(c.strip() for c in context[-2:])))
    return read


def _thread(kb: KnowledgeBase, context: tuple[str, ...]) -> tuple[int, ...]:
    """The sentence the reply to the previous question (``context[-1]``, itself asked after
    ``context[:-1]``) quoted first: where the story stood when the follow-up was asked. Kept
    per knowledge base for the questions asked last: in a conversation the previous question
    was answered a moment ago."""
    found = kb.recent_replies.get(context)
    if found is None:
        read = _read(kb, context[-1], context[:-1], threaded=False)
        found = _remember(kb, context, read.quotes if isinstance(read, Answer) else _select(kb, read))
    return found


def _remember(kb: KnowledgeBase, asked: tuple[str, ...], quotes: Sequence[Quote]) -> tuple[int, ...]:
    """Keep the sentence a reply quoted first, by its question (after the one before it, if
    any): the thread of a follow-up to it (``_thread``)."""
    replies = kb.recent_replies
    if len(replies) >= RECENT_REPLIES:
        replies.clear()
    replies[asked] = found = tuple(q.sentence.id for q in quotes[:1])
    return found


def _weight(kb: KnowledgeBase, term: str, specific: frozenset[str] = frozenset()) -> float:
    """How informative a question term is: rare in the articles is informative; unknown, somewhat,
    unless it is a word rare in English too ("canada", "walmart"): that is what is asked about."""
    n = kb.scorer.corpus_size
    df = kb.scorer.doc_freq(term)
    if df == 0:  # unknown words are often chat filler ("sides", "rn"); names are caught apart
        return (UNKNOWN_SPECIFIC if term in specific else UNKNOWN_OTHER) * math.log(1 + n)
    return math.log(1 + n / df)


def _weights(kb: KnowledgeBase, query: Question) -> dict[str, float]:
    """Each distinct question term's share of the question's informative weight. A follow-up
    ("and r they still tariffed?" after a question about soybeans) is asked about what the
    earlier question named too: its terms count at the weight the search gives them."""
    # in the question's order, not a set's: the sum of the shares, and so a near-tie between
    # two answers, must not depend on the process's hash seed
    if not query.terms:
        return _shares({t: _weight(kb, t, query.specific) for t in dict.fromkeys(query.context_terms)})
    weights = {t: _weight(kb, t, query.specific) for t in dict.fromkeys(query.terms)}
    context = kb.retrieval.context_weight
    for term in dict.fromkeys(query.context_terms):
        if term not in weights:
            weights[term] = context * _weight(kb, term, query.specific)
    return _shares(weights)


def _shares(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {t: w / total for t, w in weights.items()} if total else {}


def _coverage(shares: Iterable[tuple[str, float]], sentence_terms: Container[str]) -> float:
    """The share of the question's informative weight (``(term, share)`` pairs) that a
    sentence's terms match."""
    return sum([share for term, share in shares if term in sentence_terms])


def _select(kb: KnowledgeBase, query: Question) -> list[Quote]:
    """Rank, reorder by time, choose: the quotes for a question, best first."""
    shares = _weights(kb, query)
    keys = _key_terms(kb, shares)  # read by ranking, reordering by time and choosing
    relevance = _relevance(kb, shares)
    query = _with_event_day(kb, query, relevance)
    ranked = _rank(kb, query, shares, keys, relevance=relevance)
    return _compose(kb, query, ranked, shares, keys)


def _compose(
    kb: KnowledgeBase,
    query: Question,
    ranked: list[tuple[float, int]],
    shares: dict[str, float],
    keys: frozenset[str],
) -> list[Quote]:
    """The stages after ranking: reorder by the time asked about, then choose the quotes."""
    if query.time.change and ranked:
        stages = _stages(kb, ranked)
        if stages:
            return stages
    since = query.time.start if query.time.when is When.LATER else None
    ranked = _by_time(kb, ranked, query.time, keys, since)
    return _choose(kb, query, ranked, shares, keys) if ranked else []


@dataclasses.dataclass(frozen=True)
class Ranking:
    """A question read, and every candidate that passed the filters with its features: enough to
    rank it again under other weights (``quotes_under``) without searching again."""

    query: Question
    shares: dict[str, float]
    keys: frozenset[str]
    candidates: tuple[Candidate, ...]
    # what the search found (sentence, BM25 score), best first; and why each of those that is
    # not a candidate is no answer (``_admit``)
    searched: tuple[tuple[int, float], ...] = ()
    dropped: dict[int, str] = dataclasses.field(default_factory=dict)


def ranking_of(kb: KnowledgeBase, question: str, context: Sequence[str] = ()) -> Ranking | None:
    """The candidates ``answer`` ranks for ``question``; None when it answers without ranking
    (a question about the articles themselves, a refusal, nothing to look up). Filters do not
    depend on the weights, so neither does what is answered and what abstains."""
    read = _read(kb, question, context)
    if isinstance(read, Answer):
        return None
    shares = _weights(kb, read)
    keys = _key_terms(kb, shares)
    relevance = _relevance(kb, shares)
    read = _with_event_day(kb, read, relevance)
    found: list[Candidate] = []
    dropped: dict[int, str] = {}
    searched = _candidates(kb, read)
    _rank(kb, read, shares, keys, collect=found, trace=dropped, searched=searched,
          relevance=relevance)
    return Ranking(read, shares, keys, tuple(found), tuple(searched), dropped)


def words_shared(
    kb: KnowledgeBase, question: str, context: Sequence[str], sentences: Iterable[int]
) -> float | None:
    """The largest share of ``question``'s informative weight (as the ranking weighs its terms)
    that one of ``sentences`` holds in its own words, without its article's lead or a sentence
    it leans on: how far words alone can find it (``evaluation``'s ``by_overlap``). None where
    there is nothing to measure: no sentences, or a question answered without a search (a
    refusal, a question about the articles themselves)."""
    read = _read(kb, question, context)
    if isinstance(read, Answer):
        return None
    weighted = tuple(_weights(kb, read).items())
    return max((_coverage(weighted, frozenset(kb.terms[i])) for i in sentences), default=None)


def quotes_under(kb: KnowledgeBase, ranking: Ranking, weights: Sequence[float]) -> list[Quote]:
    """The quotes ``answer`` would give under other feature weights (``ranking.FEATURES``
    order): what ``knowledge.fitting`` scores weights by."""
    ranked = [
        (c.bm25 * multiplier(weights, c.features) * c.factor, c.sentence)
        for c in ranking.candidates
    ]
    ranked.sort(key=lambda item: (-item[0], item[1]))
    return _compose(kb, ranking.query, ranked, ranking.shares, ranking.keys)


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence that passed every filter, with its features (see ``knowledge.ranking``): what
    ``knowledge.fitting`` fits the ranking's weights on."""

    sentence: int
    bm25: float  # its BM25 score, the no-match floor taken away
    features: tuple[float, ...]  # in the order of ``ranking.FEATURES``
    score: float  # bm25 × the features' multiplier under the weights ranked with
    coverage: float = 0.0  # the share of the question's weight it covers (see ``_admit``)
    # what the cue stage multiplies its score by beside the weighted features: a fixed factor
    # (``TARIFF_ELSEWHERE``), not a feature a fit could turn into a bonus
    factor: float = 1.0


def _rank(
    kb: KnowledgeBase,
    query: Question,
    shares: dict[str, float],
    keys: frozenset[str],
    collect: list[Candidate] | None = None,
    trace: dict[int, str] | None = None,
    searched: list[tuple[int, float]] | None = None,
    relevance: Mapping[str, dict[str, float]] | None = None,
) -> list[tuple[float, int]]:
    """Candidates that may answer, each scored by its features, best first.

    Filters (a candidate is no answer): its article never names the story or the country the
    question names (``_in_articles_naming``); outside the period asked about; without the focus;
    too little of the question's weight (its own words, what it leans on, what its article is
    about); too few of its words (``MIN_TERMS_SHARED``); names only; no date/number/duration
    where one is asked for. Features (``_features``) turn its
    BM25 score into its rank's score. A candidate that cannot come close enough to the best to be
    quoted is dropped before its cues are worked out, unless ``collect`` is given: then every
    candidate passing the filters is ranked and appended to it, features and all, and ``trace``
    (if given) gets why each other candidate is no answer. ``searched``: what ``_candidates``
    found, if the caller has it already.
    """
    retrieval = kb.retrieval
    weights = retrieval.ranking.vector()
    ranked: list[tuple[float, int]] = []
    pairs = {(a, b) for a, b in pairwise(query.terms) if a != b}
    # each term's share as far as an article's lead naming it tells articles apart
    by_article = tuple(
        (t, share * kb.lead_rarity(t)) for t, share in shares.items() if kb.lead_counts.get(t)
    ) if len(kb.lead_terms) > 1 else ()
    named = _named(kb, keys)
    # the largest value each feature can take for this question, for the bound below
    period = query.time.when is When.PERIOD
    largest = {
        FEATURES.index("headline"): 1.0,
        FEATURES.index("news_lead"): float(period),
        FEATURES.index("other_period"): float(period),
        FEATURES.index("backstory"): float(query.time.when in _OF_NEWS),
        FEATURES.index("name_missing"): float(bool(named)),
        FEATURES.index("together"): graded(PAIR_BONUS, min(len(pairs), MAX_PAIRS)),
        FEATURES.index("through_article"): graded(ARTICLE_BONUS, sum(w for _, w in by_article)),
        FEATURES.index("article_relevance"): graded(ARTICLE_RELEVANCE, 1.0),
        FEATURES.index("older"): (
            _age(kb, kb.dates[0]) if query.time.when in _OF_NOW and kb.dates else 0.0
        ),
        FEATURES.index("thread"): float(bool(query.thread)),
    }
    # the largest boost features can give a sentence, with and without its cues
    most_but_cues = most(weights, largest)
    most_cues = most(weights, {CUES: graded(CUE_BONUS, _most_cues(query))})
    if relevance is None:
        relevance = _relevance(kb, shares)
    best_so_far = {"any": 0.0, "body": 0.0}  # the bars for a lead sentence and a body sentence
    # a candidate below this share of the best is never quoted: unless a question of time may
    # put a newer (or later) one first
    keep = 0.0 if collect is not None else retrieval.follow_ratio
    if len(kb.dates) > 1:  # one date or none: time cannot reorder anything
        keep = min(keep, _TIME_RATIOS.get(query.time.when, 1.0))
        if query.time.change:
            keep = min(keep, CHANGE_RATIO)
    weighted = tuple(shares.items())
    sharing = _terms_to_share(kb, query)  # how many of which words a candidate must share
    # a candidate's kind from the sentence table's column: most candidates need no Sentence
    # object made (see SentenceTable)
    kind_of = kb.sentences.kind
    candidates = _candidates(kb, query) if searched is None else searched
    candidates = _in_articles_naming(kb, query, named, candidates, trace)
    # Working out candidates best bound first, not best BM25 first (``candidate_arrays``) ranks
    # the same candidates that may be quoted: not for a period (its filters are regexes), nor
    # when one date leaves ``keep`` above the share of the best at which time may still put an
    # answer of the dated article before undated ones (those ranked then depend on the order).
    in_order = period or query.time.when is When.LATER or (
        len(kb.dates) == 1 and query.time.when in _TIME_RATIOS
    )
    if collect is None and trace is None and not in_order:
        fast = candidate_arrays.rank(kb, candidate_arrays.Asked(
            shares, by_article, query.focus, query.predicate, named, frozenset(pairs),
            _most_cues(query), query.time.when in _OF_NEWS, query.time.when in _OF_NOW,
            retrieval.min_coverage, CONTEXT_COVERAGE, ARTICLE_COVERAGE,
            query.thread, PICKED_COVERAGE,
            *sharing, weighs_direction=bool(query.tariffs_on),
        ), candidates, relevance, keep, lambda i: _cue_stage(kb, i, query))
        if fast is not None:
            return fast
    # Each candidate's terms among those the ranking asks about (and those of the sentence each
    # leaning one leans on), from the postings for all at once: every use below only meets
    # them with the question's terms, so no candidate's whole tuple of terms need be made.
    leaning = {i: kb.sentences.previous_id(i) for i, _ in candidates if kb.cues.leans(i)}
    rows = [i for i, _ in candidates] + [b for b in leaning.values() if b is not None]
    asked = set(shares) | query.focus | query.predicate | named | {t for p in pairs for t in p}
    held = dict(zip(rows, kb.terms_held(rows, asked), strict=True))
    for i, score in candidates:  # best first
        lead = kind_of(i) in LEAD_KINDS
        if score * most_but_cues * most_cues < keep * best_so_far["body"]:
            break  # no later candidate can be quoted: skip working out its cues
        if lead and score * most_but_cues * most_cues < keep * best_so_far["any"]:
            continue
        before = leaning.get(i)
        admitted = _admit(kb, query, i, held[i], held[before] if before is not None else None,
                          weighted, by_article, sharing)
        if isinstance(admitted, str):
            if trace is not None:
                trace[i] = admitted
            continue
        sentence_terms, source, through_article, about, coverage = admitted
        features = _features(
            kb, i, query.time, sentence_terms, pairs, through_article,
            bool(named) and not named & about, relevance.get(source, {}), query.thread,
        )
        bm25 = score
        score *= multiplier(weights, features)
        if score * most_cues < keep * best_so_far["any" if lead else "body"]:
            continue  # cannot be quoted even with every cue: its cues (regexes) are not worked out
        stage = _cue_stage(kb, i, query)
        if stage is None:
            if trace is not None:
                trace[i] = NO_REQUIRED.format(", ".join(sorted(query.cues & REQUIRED)))
            continue
        cues, factor = stage
        score *= math.exp(weights[CUES] * cues) if cues else 1.0
        score *= factor
        ranked.append((score, i))
        if collect is not None:
            collect.append(Candidate(
                i, bm25, (*features[:CUES], cues, *features[CUES + 1:]), score, coverage, factor
            ))
        best_so_far["any"] = max(best_so_far["any"], score)
        if not lead:
            best_so_far["body"] = max(best_so_far["body"], score)
    ranked.sort(key=lambda item: (-item[0], item[1]))
    return ranked


# A question of at least MIN_TERMS_ASKED terms is answered only by a sentence sharing at least
# MIN_TERMS_SHARED of them (itself, the sentence it leans on, or its article's lead): one word in
# common is a coincidence ("what is the boiling point of water?" and "My point was U.S. business
# needs to see some action"). Not with one article, where every sentence is of the one story the
# question is about: on the single-article read set the rule dropped an answer sharing only
# "toward", and on the held-out one another. Read multi-article sets: abstention +1 on three, no
# hit lost; held-out: abstention +1 on seven, no hit lost. Its own words only (without the lead):
# read hit@1 -5.
# A long question (LONG_QUESTION terms or more) needs one more: read abstention +1, held-out
# hit@1 +1 (from six terms: read hit@1 -2).
MIN_TERMS_ASKED = 3
MIN_TERMS_SHARED = 2
LONG_QUESTION = 7

# Why a candidate is no answer (``_admit``; shown by ``python -m bot explain``).
OUTSIDE_PERIOD = "outside the period asked about"
NO_FOCUS = "lacks the question's focus"
NO_MATCH = "matches no question term (nor does the sentence it leans on)"
LOW_COVERAGE = "covers {:.2f} of the question's weight (with its article's lead), below {:.2f}"
NAMES_ONLY = "shares only the question's names"
TOO_FEW = "shares too few of the question's words (with what it leans on and its article's lead)"
NAME_ELSEWHERE = "its article never names the place or event the question names"
COUNTRY_ELSEWHERE = "its article never names the country the question names"
NO_REQUIRED = "offers no {} where the question asks for one"


def _admit(
    kb: KnowledgeBase,
    query: Question,
    i: int,
    sentence_terms: frozenset[str],
    before_terms: frozenset[str] | None,
    weighted: tuple[tuple[str, float], ...],
    by_article: tuple[tuple[str, float], ...],
    sharing: tuple[int, tuple[str, ...]],
) -> tuple[frozenset[str], str, float, frozenset[str], float] | str:
    """Whether candidate ``i`` may answer at all, whatever it scores: why not (one of the reasons
    above), or what its features need — its article, the share of the question its article's lead
    names and it does not, what it is about (its own terms, those of the sentence it leans on,
    its article's lead) and its coverage of the question's weight. ``sentence_terms`` and
    ``before_terms`` (of the sentence it leans on, if it leans) are only those the ranking asks
    about (``KnowledgeBase.terms_held``). ``sharing``: how many of which question words it must
    share (``_terms_to_share``, worked out once for all the candidates)."""
    if query.time.when is When.PERIOD and not _of_period(kb, kb.sentences[i], query.time):
        return OUTSIDE_PERIOD
    if query.focus and not query.focus & sentence_terms:
        return NO_FOCUS
    leaned_on = before_terms - sentence_terms if before_terms else frozenset()
    coverage = _coverage(weighted, sentence_terms)
    if leaned_on:
        coverage += CONTEXT_COVERAGE * _coverage(weighted, leaned_on)
    if coverage == 0:
        return NO_MATCH
    # what the sentence's article says it is about, in its title and lead lines, and the
    # sentence does not repeat: "what was agreed in Geneva?" finds the Geneva article's "the
    # talks", not another article's passing mention of Geneva
    source = kb.sentences.source(i)
    through_article = _through_article(kb, by_article, source, sentence_terms)
    coverage += ARTICLE_COVERAGE * through_article
    bar = kb.retrieval.min_coverage
    if (query.time.when is When.PERIOD and query.time.admits(kb.day(source))) or (
        query.thread and any(kb.sentences.source(t) == source for t in query.thread)
    ) or _after_event(kb, query.time, source):
        bar *= PICKED_COVERAGE  # the time or the story asked about picked the article
    if coverage < bar:
        return LOW_COVERAGE.format(coverage, bar)
    about = sentence_terms | leaned_on | kb.lead_terms[source]
    needed, own = sharing
    if needed and sum(term in about for term in own) < needed:
        return TOO_FEW
    if query.predicate and not query.predicate & about:
        # names only: "where did Yun Sun go to university?" is not about Yun Sun; what the
        # sentence leans on and what its article is about count ("It lasted an hour")
        return NAMES_ONLY
    return sentence_terms, source, through_article, about, coverage


def _terms_to_share(kb: KnowledgeBase, query: Question) -> tuple[int, tuple[str, ...]]:
    """How many of the question's own terms a candidate must share (``MIN_TERMS_SHARED``; 0 for
    none), and those terms: not a follow-up's earlier question's. Words no article has count
    among them: a question mostly of such words ("the boiling point of water") is about
    something else."""
    own = tuple(dict.fromkeys(query.terms))
    if len(kb.articles) < 2 or len(own) < MIN_TERMS_ASKED:
        return 0, ()
    return MIN_TERMS_SHARED + (len(own) >= LONG_QUESTION), own


def _after_event(kb: KnowledgeBase, time: TimeAsked, source: str) -> bool:
    """Whether ``source`` is later than the event a question of how things turned out asks
    about (``_with_event_day``): such an article picked by the time asked tells the outcome in
    words of its own ("did they meet in the end, after Trump said there was no reason to?" is
    answered by "the package grew out of the meeting between Trump and Xi in Busan")."""
    day = kb.day(source)
    event = time.end or time.start
    return time.when is When.LATER and event is not None and day is not None and day > event


def _features(
    kb: KnowledgeBase,
    i: int,
    time: TimeAsked,
    sentence_terms: frozenset[str],
    pairs: set[tuple[str, str]],
    through_article: float,
    name_missing: bool,
    from_article: dict[str, float],
    thread: tuple[int, ...] = (),
) -> tuple[float, ...]:
    """Sentence ``i``'s features but its cues, in the order of ``ranking.FEATURES``.

    Its place says something before its words do: a headline says less than the body sentence
    reporting the same; a news lead (an article's first body sentence) says what happened in its
    period; a sentence of another time that only names the month asked about recalls it; one
    telling its article's backstory is not the news a question of now or later wants; one naming
    none of the question's rare names ("did Taiwan come up when Trump met Xi?") answers a
    neighbouring question (``name_missing``). Question words side by side make a name ("trade
    war"); what its article's lead names and the sentence does not, and what its article as a
    whole adds ("the meeting was a 12" is in the Busan article), find it through its article.
    """
    kind, source = kb.sentences.kind(i), kb.sentences.source(i)
    news_lead = other_period = backstory = 0.0
    if time.when in _OF_NEWS and tells_backstory(
        kb.sentences.text(i), kb.day(source),
        (time.end or time.start) if time.when is When.LATER else None,  # the event's day, or
    ):  # the end of the period the question dates it to
        backstory = 1.0
    if time.when is When.PERIOD:
        if not time.admits(kb.day(source)):
            other_period = 1.0
        elif i in kb.news_leads or kind is Kind.SUMMARY or (
            kind is Kind.SUBTITLE and opens_with_dateline(kb.sentences.text(i))
        ):
            news_lead = 1.0  # "what was agreed in May": what that month's news led with
    together = 0
    if pairs and len(sentence_terms & {t for pair in pairs for t in pair}) > 1:
        # only then may two of them stand side by side: the sentence's own terms, in order
        together = min(len(pairs.intersection(pairwise(kb.terms[i]))), MAX_PAIRS)
    added = sum([part for term, part in from_article.items() if term not in sentence_terms])
    return (
        float(kind is Kind.HEADLINE),
        news_lead,
        other_period,
        backstory,
        float(name_missing),
        graded(PAIR_BONUS, together),
        graded(ARTICLE_BONUS, through_article),
        graded(ARTICLE_RELEVANCE, added),
        0.0,  # cues: worked out last (``_rank``)
        _age(kb, kb.day(source)) if time.when in _OF_NOW else 0.0,
        _in_thread(kb, i, source, thread),
        _from_edge(kb, time, source),
        float(time.when is When.LATER and speculates(kb.sentences.text(i))),
    )


def _from_edge(kb: KnowledgeBase, time: TimeAsked, source: str) -> float:
    """How far, in years, an article's day is from the edge of a period open on one side (0
    otherwise, and for an undated article)."""
    if time.when is not When.PERIOD or (time.start is None) == (time.end is None):
        return 0.0
    day = kb.day(source)
    edge = time.start if time.start is not None else time.end
    return abs((day - edge).days) / 365 if day is not None and edge is not None else 0.0


def _in_thread(kb: KnowledgeBase, i: int, source: str, thread: tuple[int, ...]) -> float:
    """1 for a sentence shortly after one the previous reply quoted (in its article), ½ for
    the rest of that article but the quoted one itself (the reader has it), else 0
    (``RankingWeights.thread``)."""
    value = 0.0
    for t in thread:
        if kb.sentences.source(t) == source and i != t:
            value = max(value, 1.0 if 0 < i - t <= THREAD_NEAR else 0.5)
    return value


def _cue_stage(kb: KnowledgeBase, i: int, query: Question) -> tuple[float, float] | None:
    """Sentence ``i``'s cue feature (the question's cues it offers, graded) and the fixed
    factor its score takes besides (``TARIFF_ELSEWHERE`` or 1); None when the question requires
    a cue it lacks ("when" needs a date, "how many" a number)."""
    offered = kb.cues.offers(i, query.cues)
    if Cue.PLACE in offered and not _names_a_new_place(kb, i, query):
        offered -= {Cue.PLACE}  # "where in Stockholm…?" is not answered by "in Stockholm"
    venue = query.venue and _names_a_new_place(kb, i, query, venues_named)
    if query.venue and not venue:
        offered -= {Cue.PLACE}  # "where in Stockholm…?" asks for the venue ("at Rosenbad")
    if Cue.NUMBER in offered and not _states_a_new_number(kb.sentences.text(i), query.asked):
        offered -= {Cue.NUMBER}  # "how many Mate 60 phones…?" is not answered by "the Mate 60"
    if query.cues & REQUIRED and not query.cues & REQUIRED & offered:
        return None
    elsewhere = bool(query.tariffs_on) and goes_elsewhere(
        query.tariffs_on, tariffs_on(kb, kb.sentences.text(i))
    )
    cues = graded(
        CUE_BONUS,
        len(query.cues & offered) + VENUE_CUES * venue
        + (_more_people(kb, i, query) if Cue.PERSON in offered else 0),
    )
    return cues, TARIFF_ELSEWHERE if elsewhere else 1.0


# A sentence whose tariffs all fall on another country than the one the question asks about
# ("what's the tariff on China?" and "China will keep a 10% tariff on American goods") offers
# the other side's answer: its score takes this factor, fixed (a weight of the cue feature
# would let a fit turn it into a bonus). Read sets: hit@1 +2, hit@any +2, no hit lost; held-out:
# hit@1 +3, hit@any +3, one precision -0.006. (0.6: read hit@1 and hit@any one fewer each; 0.8
# fewer still; 0.2–0.3 as 0.4.)
TARIFF_ELSEWHERE = 0.4


# "Who" asks for people the question does not name: each further one a sentence names, up to
# this many in all, counts as one more cue ("Xi's team included Cai Qi, … Wang Yi, He Lifeng"
# over a lead naming Trump beside Xi). Read sets: hit@1 +2 (fresh, timeline2), no hit lost;
# counting half a cue each gave +1, up to four names the same as three.
MOST_PEOPLE = 3


def _more_people(kb: KnowledgeBase, i: int, query: Question) -> int:
    """The names sentence ``i`` writes that share no word with the question, beyond the first,
    up to ``MOST_PEOPLE`` in all."""
    asked = set(query.terms)
    new = sum(
        asked.isdisjoint(kb.analyzer.terms(name))
        for name in dict.fromkeys(names_named(kb.sentences.text(i)))
    )
    return max(0, min(new, MOST_PEOPLE) - 1)


# A venue where one is asked for counts as this many cues: far more than the city's mention,
# which a question naming the city already knows, yet no filter (the articles may name none,
# or name it the way no "at …" pattern reads). 2–3 moved nothing on the read sets; 5 gave the
# required venue's gains (+6 first answers) without its loss on a held-out set (−1).
VENUE_CUES = 5


def _most_cues(query: Question) -> int:
    """The most cue units a sentence can offer the question (``_cue_stage``): one a cue,
    ``VENUE_CUES`` more where a venue is asked for, and more people where a person is."""
    return (len(query.cues) + VENUE_CUES * query.venue
            + (MOST_PEOPLE - 1) * (Cue.PERSON in query.cues))


# The numbers a text states, in digits or words ("six-week", "12 million").
_NUMBERS = re.compile(
    rf"\d+(?:[.,]\d+)*|\b(?:{SPELLED_NUMBERS}|hundreds?|thousands?|millions?|billions?|"
    r"trillions?|half|dozens?)\b",
    re.IGNORECASE,
)


def _states_a_new_number(text: str, question: str) -> bool:
    """Whether a sentence states a number the question does not: "how many" asks for one, and
    a count at that: not a share ("how many chips…" is not answered by "a 25% cut"), unless
    the question counts points or percent itself."""
    asked = _numbers_asked(question)
    if not _COUNTS.search(question) or _SHARES_ASKED.search(question):
        return not _numbers(text) <= asked
    return any(
        _number_key(n.group()) not in asked
        for n in _NUMBERS.finditer(text)
        if not _A_SHARE.match(text, n.end())
    )


# "how many" counts; a share follows its number ("25%", "10 percent", "24 percentage points")
_COUNTS = re.compile(r"\bhow many\b", re.IGNORECASE)
_SHARES_ASKED = re.compile(r"%|\bpercent|\bper cent|\bpoints?\b|\bpct\b", re.IGNORECASE)
_A_SHARE = re.compile(r"\s*-?\s*(?:%|percent|per cent|percentage|pct\b)", re.IGNORECASE)


def _numbers(text: str) -> frozenset[str]:
    return frozenset(_number_key(n) for n in _NUMBERS.findall(text))


def _number_key(number: str) -> str:
    """A number as written, comparable: "1,100" and "1100", "Twelve" and "twelve"."""
    return number.replace(",", "").lower()


# the question's numbers, read once for all its candidates
_numbers_asked = lru_cache(maxsize=256)(_numbers)


def _names_a_new_place(
    kb: KnowledgeBase, i: int, query: Question, named: Callable[[str], list[str]] = places_named
) -> bool:
    """Whether sentence ``i`` names a place the question does not: "where" asks for one."""
    asked = set(query.terms)
    return any(
        not asked.issuperset(kb.analyzer.terms(place)) for place in named(kb.sentences.text(i))
    )


def _age(kb: KnowledgeBase, day: dt.date | None) -> float:
    """How much older than the newest article a day is, in years (0 when unknown)."""
    if day is None or not kb.dates:
        return 0.0
    return (kb.dates[-1] - day).days / 365


def _choose(
    kb: KnowledgeBase,
    query: Question,
    ranked: list[tuple[float, int]],
    shares: dict[str, float],
    keys: frozenset[str],
) -> list[Quote]:
    """The quotes: the first of ``ranked``, then each further one closer to the best; a sentence
    that leans on another brings it along, one that continues it runs on. ``ranked``: best
    first, but for its first (``_by_time`` may put a newer answer there)."""
    retrieval = kb.retrieval
    # Lead sentences (headline, summary line, subtitle) restate the body in few, dense words: they
    # set the bar for each other, not for the body sentences that report the same thing in full.
    best = max(ranked)[0]
    kind = kb.sentences.kind  # not a whole Sentence made for its kind
    best_body = _best_body(ranked, kind, best)
    quotes: list[Quote] = []
    quoted: set[int] = set()
    for at, (score, i) in enumerate(ranked):
        # Each further quote must come closer to the best: a third one only if nearly as good.
        needed = min(retrieval.follow_ratio + retrieval.follow_step * max(len(quotes) - 1, 0), 1)
        if len(quotes) >= retrieval.max_quotes:
            break
        if quotes and score < needed * (best if kind(i) in LEAD_KINDS else best_body):
            if at and score < needed * min(best, best_body):
                break  # after the first, scores only fall (and the bar only rises): none is quoted
            continue  # the first is ranked[0]: the best, or the newest answer to a question of now
        if i in quoted:
            continue
        if (quotes and query.time.when not in _OF_NOW and score < TIE_RATIO * quotes[0].score
                and kb.sentences.source(i) != quotes[0].sentence.source):
            continue  # one article answers, unless another's ties with it (ONE_ARTICLE)
        if quotes and query.time.when in _OF_NOW and not _earlier_state(kb, quotes[0], i, shares, keys):
            continue  # another article's near-tie that is no earlier answer to the question
        sentence = kb.sentences[i]  # made only for a sentence that may be quoted
        if sentence.kind in LEAD_KINDS and any(
            q.sentence.kind in LEAD_KINDS and q.sentence.source == sentence.source for q in quotes
        ):
            continue  # headline, summary line and subtitle restate one gist: quote it once
        context = _context(kb, sentence)
        overlap = [q for q in quotes if q.sentence.id in {c.id for c in context}]
        if overlap:  # the sentence it leans on is already quoted: extend that quote instead
            old = overlap[0]
            context = tuple(s for s in context if s.id >= old.sentences[0].id)
            merged = _quote(kb, sentence, max(score, old.score), context)
            quotes[quotes.index(old)] = merged
        elif quoted.intersection(c.id for c in context):
            continue
        else:
            quotes.append(_quote(kb, sentence, score, context))
        quoted.update(s.id for q in quotes for s in q.sentences)
    quotes = [_extend(kb, q, shares, quoted) for q in quotes]
    if Cue.DATE in query.cues:  # "when…?": "on Monday" is a date once its article's is known
        quotes = [_with_days(kb, q) for q in quotes]
    return quotes


def _stages(kb: KnowledgeBase, ranked: list[tuple[float, int]]) -> list[Quote]:
    """A change over time, told as one, oldest first: of the dated articles whose best answer
    scores well enough (``CHANGE_RATIO``), the first and the last (where it started, where it
    stands) and the best-answering ones between, ``max_quotes`` in all, each by its best answer.
    Nothing where fewer than two articles answer: one article tells no change."""
    best = ranked[0][0]
    chosen: dict[str, tuple[float, int]] = {}
    for score, i in ranked:  # best first
        if score < CHANGE_RATIO * best:
            break
        source = kb.sentences.source(i)
        if source not in chosen and kb.day(source) is not None:
            chosen[source] = (score, i)
    if len(chosen) < 2:
        return []
    by_day = sorted(chosen, key=lambda source: (kb.day(source), chosen[source][1]))
    most = max(kb.retrieval.max_quotes, 2)
    ends = {by_day[0], by_day[-1]}
    between = [source for source in chosen if source not in ends][: most - len(ends)]
    kept = ends.union(between)
    quotes = []
    for source in by_day:
        if source in kept:
            score, i = chosen[source]
            sentence = kb.sentences[i]
            quotes.append(_quote(kb, sentence, score, _context(kb, sentence)))
    return quotes


def _best_body(
    ranked: list[tuple[float, int]], kind: Callable[[int], Kind], best: float
) -> float:
    """The best score of a body sentence in ``ranked`` (best first after its first), ``best``
    without one: after the first, the first body sentence's."""
    body = next((s for s, i in islice(ranked, 1, None) if kind(i) not in LEAD_KINDS), None)
    first, i = ranked[0]
    if kind(i) not in LEAD_KINDS:
        body = first if body is None else max(first, body)
    return best if body is None else body


def _key_terms(kb: KnowledgeBase, shares: dict[str, float]) -> frozenset[str]:
    """The question's key terms (``KnowledgeBase.is_key_term``): "soybean", "port", not the
    words of every story ("China", "tariff")."""
    return frozenset(term for term in shares if kb.is_key_term(term))


def _in_articles_naming(
    kb: KnowledgeBase,
    query: Question,
    named: frozenset[str],
    candidates: list[tuple[int, float]],
    trace: dict[int, str] | None,
) -> list[tuple[int, float]]:
    """The candidates whose article names the place or event the question names ("who was in
    the Chinese delegation at Busan?" is not answered from the London article, whose team it
    lists too): a name of the question itself, rare in English, that some article's title or
    lead lines name (a story of its own), and the candidate's article writes anywhere; one of
    them, where it names several. Any name at all, or every one, lost unread answers (people
    the answering article calls by their title; two stories asked about together). Not for a
    question of how things turned out: the article telling the outcome need not name the story
    ("did the levy lowered at the Trump-Xi summit hold up?": the ruling that voided it).
    And whose article names the country the question names, if any but the parties every
    article is about (``Question.countries``): "how did Japan's tariff talks with the US end?"
    is not answered by the Busan summit's venue."""
    if not candidates or len(kb.articles) < 2:
        return candidates
    rare = {
        term
        for token in surface_tokens(query.time.rest)  # "after Geneva" dates, it names no story
        if english_frequency(token) < RARE_IN_ENGLISH
        for term in kb.analyzer.terms(token)
        if term in named and kb.lead_counts.get(term, 0) > 0
    } if query.time.when is not When.LATER else set()
    # a country every other article's lead names is a party to the whole dispute, not a story
    half = len(kb.articles) / 2
    countries = [
        name for name in query.countries if not all(kb.lead_counts.get(t, 0) > half for t in name)
    ]
    groups = [([{t} for t in sorted(rare)], NAME_ELSEWHERE)] if rare else []
    if countries:  # one of them, all the words of its name ("south korea", not "south")
        groups.append(([set(name) for name in countries], COUNTRY_ELSEWHERE))
    if not groups:
        return candidates
    ids = np.fromiter((i for i, _ in candidates), dtype=np.int64, count=len(candidates))
    articles = kb.sentences.articles_of(ids)
    reasons: list[str | None] = [None] * len(candidates)
    for names, why in groups:
        holding = np.logical_or.reduce([
            np.logical_and.reduce([kb.article_counts(t) > 0 for t in sorted(name)])
            for name in names
        ])
        for k in np.flatnonzero(~holding[articles]).tolist():
            reasons[k] = reasons[k] or why
    if trace is not None:
        trace.update((i, why) for (i, _), why in zip(candidates, reasons, strict=True) if why)
    return [candidate for candidate, why in zip(candidates, reasons, strict=True) if not why]


def _named(kb: KnowledgeBase, keys: frozenset[str]) -> frozenset[str]:
    """The names among the question's key terms ("taiwan", "madrid"; see ``NAME_MISSING``):
    none with one article, where no name tells one story from another."""
    if len(kb.articles) < 2:
        return frozenset()
    return keys & kb.names


def _earlier_state(
    kb: KnowledgeBase, first: Quote, i: int, shares: dict[str, float], keys: frozenset[str]
) -> bool:
    """Whether sentence ``i``, for a question of now whose answer is ``first``, may be quoted
    after it: it is from the same article or one no older, or it held an earlier answer to the
    same question (see ``EARLIER_DAYS``): its article is clearly older, and it says by itself
    every question term the newest answer does and a key term (``keys``) among them."""
    day, newest = kb.day(kb.sentences.source(i)), kb.day(first.sentence.source)
    if day is None or newest is None or day >= newest:
        return True
    if (newest - day).days < EARLIER_DAYS:
        return False
    said = set(kb.terms[i]).intersection(shares)
    answered = {t for s in first.sentences for t in kb.terms[s.id]}.intersection(shares)
    return bool(said & keys) and said >= answered


def _with_days(kb: KnowledgeBase, quote: Quote) -> Quote:
    day = kb.day(quote.sentence.source)
    days = weekdays_named(quote.text, day) if day else ()
    return dataclasses.replace(quote, days=days) if days else quote


def _through_article(
    kb: KnowledgeBase,
    by_article: tuple[tuple[str, float], ...],
    source: str,
    sentence_terms: set[str],
) -> float:
    """The share of the question's weight that a sentence's article names in its title and lead
    lines and the sentence does not, each term counted as far as it tells articles apart
    (``by_article``: share × ``lead_rarity``): a term in every article's lead (or a knowledge
    base of one article) says nothing about which."""
    if not by_article:
        return 0.0
    lead = kb.lead_terms[source]
    return sum([w for term, w in by_article if term in lead and term not in sentence_terms])


def _of_period(kb: KnowledgeBase, sentence: Sentence, time: TimeAsked) -> bool:
    """Whether a sentence speaks of the time asked about: its article is of that time, or it
    names the month asked about ("On April 9, …" in a May article answers "in April")."""
    if time.when is not When.PERIOD or time.admits(kb.day(sentence.source)):
        return True
    if _tells_of(kb, sentence, time):
        return True
    return time.month is not None and MONTH_NAMES[time.month - 1] in months_named(sentence.text)


def _tells_of(kb: KnowledgeBase, sentence: Sentence, time: TimeAsked) -> bool:
    """Whether a sentence of a later article reports a day of the period asked about: it states
    the day ("the leaders' June 5 phone call", "on Thursday"), or the sentence it leans on does
    ("That call … lasted about an hour and a half")."""
    day = kb.day(sentence.source)
    texts = [sentence.text]
    if kb.cues.leans(sentence.id):
        before = kb.previous(sentence)
        if before is not None:
            texts.append(before.text)
    return any(time.admits(d) for text in texts for d in days_stated(text, day))


def _by_time(
    kb: KnowledgeBase,
    ranked: list[tuple[float, int]],
    time: TimeAsked,
    keys: frozenset[str] = frozenset(),
    since: dt.date | None = None,
) -> list[tuple[float, int]]:
    """The ranking with the answer a question of now (or of how things turned out) wants moved to
    the front: the newest article's answer among those close enough to the best. A question of
    how things turned out gets nothing when no article later than the best match answers it, or
    than ``since`` (the day of the article that matches the question best as a whole: "was the
    deadline set at the G20 dinner ever enforced?" is about the dinner's article, though only a
    later article's sentence says "deadline" and "enforced").
    For a question of now, a newer sentence qualifies only if it says every key term (``keys``,
    see ``KnowledgeBase.is_key_term``) the best answer says: the newest article's passing mention of
    "soybeans" in a sentence about their tariff does not answer "has China started buying
    soybeans?" as well as an older report of the purchases beginning."""
    ratio = _TIME_RATIOS.get(time.when)
    if ratio is None or not ranked:
        return ranked
    best_score = ranked[0][0]
    # a newer answer must say the key terms the best one says: not a passing sentence of the
    # newest article that shares the story's common words
    wanted = keys.intersection(kb.terms[ranked[0][1]]) if time.when in _OF_NOW else frozenset()
    pool = [
        (day, score, i)
        for (score, i), day in zip(ranked, _days(kb, [i for _, i in ranked]), strict=True)
        if score >= ratio * best_score and day is not None and wanted.issubset(kb.terms[i])
    ]
    if time.when is When.LATER:
        # how it turned out: the best answer of an article later than the first that tells of it
        if time.end is not None:
            # the question dates the event ("announced in May"): its first report then is the
            # event, and what came after that report tells how it turned out
            reported = [day for day, _, _ in pool if time.bounds(day)]
            first = min(reported) if reported else (time.end or time.start)
        else:
            first = min((day for day, _, _ in pool), default=None)
            if since is not None and (first is None or since < first):
                first = since
        later = [(score, day, i) for day, score, i in pool if first is not None and day > first]
        if not later:
            return []
        score, _, chosen = max(later, key=lambda item: (item[0], item[1], -item[2]))
    elif not pool:
        return ranked
    else:
        _, score, chosen = max(pool, key=lambda item: (item[0], item[1], -item[2]))
    return [(score, chosen), *((s, i) for s, i in ranked if i != chosen)]


def _days(kb: KnowledgeBase, ids: list[int]) -> list[dt.date | None]:
    """Each sentence's article's day (``kb.day`` of its source), for many at once."""
    days = kb.article_days
    return [days[n] for n in kb.sentences.articles_of(np.array(ids, dtype=np.int64)).tolist()]


def _relevance(kb: KnowledgeBase, shares: dict[str, float]) -> Mapping[str, dict[str, float]]:
    """Each article's relevance to the question (``relevance``), worked out once a question for
    the ranking and the event's day. One article: what it adds tells no article apart (BM25 over
    sentences has it already)."""
    return article_relevance(kb, shares) if len(kb.articles) > 1 else {}


def _with_event_day(
    kb: KnowledgeBase, query: Question, relevance: Mapping[str, dict[str, float]]
) -> Question:
    """A question of how things turned out with the day of the event it asks about as its
    time's ``start``: the day of the article matching it best as a whole. What came after that
    day tells how it turned out (``_features``' backstory, ``_by_time``). A question dating the
    event itself ("the duty announced in May…") keeps its period: ``_by_time`` takes that
    period's first report of it as the event."""
    time = query.time
    if time.when is not When.LATER or time.start is not None or time.end is not None:
        return query  # not of how things turned out, or the question dates the event itself
    return dataclasses.replace(
        query, time=dataclasses.replace(time, start=_best_article_day(kb, relevance))
    )


def _best_article_day(
    kb: KnowledgeBase, relevance: Mapping[str, dict[str, float]]
) -> dt.date | None:
    """The day of the article that matches the question best as a whole."""
    best = max(relevance, key=lambda source: sum(relevance[source].values()), default=None)
    return kb.day(best) if best is not None else None


def _extend(kb: KnowledgeBase, quote: Quote, shares: dict[str, float], quoted: set[int]) -> Quote:
    """A quote runs on into the next sentence when that one continues it ("This could entail…")
    and matches the question too: the answer is often in the elaboration."""
    last = quote.sentences[-1]
    if last.id + 1 >= len(kb.sentences) or last.id + 1 in quoted:
        return quote
    after = kb.sentences[last.id + 1]
    if kb.previous(after) != last or not kb.cues.leans(after.id):
        return quote
    if _coverage(shares.items(), set(kb.terms[after.id])) < kb.retrieval.min_coverage:
        return quote
    quoted.add(after.id)
    return _quote(kb, quote.sentence, quote.score, quote.context, (after,))


def _candidates(kb: KnowledgeBase, query: Question) -> list[tuple[int, float]]:
    """The best-scoring sentences that match anything, with the no-match floor taken away.

    A plain question touches only the sentences holding its terms (``top_k``); a follow-up mixes
    its own terms' scores with the earlier question's, at a lower weight (``mixed_top_k``).
    """
    scorer = kb.scorer
    if not query.context_terms:
        terms = list(query.terms)
        base = scorer.base_score(terms)
        hits = scorer.top_k(terms, CANDIDATES)
        return _with_followers(kb, [(i, s - base) for i, s in hits if s - base > 0])
    weight = kb.retrieval.context_weight if query.terms else 1.0
    parts = [(list(query.terms), 1.0), (list(query.context_terms), weight)]
    return scorer.mixed_top_k(parts, CANDIDATES)


def _with_followers(kb: KnowledgeBase, hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The candidates, and after the best of them the sentence that leans on each ("It lasted
    about an hour and forty minutes" after "Trump met Xi in Busan"), which shares none of the
    question's words yet answers it: at a share of its predecessor's score, best first."""
    found = {i for i, _ in hits}
    followers = []
    for i, score in hits[:FOLLOWERS]:
        after = i + 1
        if after in found or after >= len(kb.sentences):
            continue
        if kb.cues.leans(after) and kb.sentences.previous_id(after) == i:
            followers.append((after, score * CONTEXT_COVERAGE))
            found.add(after)
    if not followers:
        return hits
    return sorted(hits + followers, key=itemgetter(1), reverse=True)  # stable, as ascending


def _context(kb: KnowledgeBase, sentence: Sentence) -> tuple[Sentence, ...]:
    context: list[Sentence] = []
    current = sentence
    while len(context) < MAX_CONTEXT and kb.cues.leans(current.id):
        before = kb.previous(current)
        if before is None:
            break
        context.insert(0, before)
        current = before
    return tuple(context)


def _quote(
    kb: KnowledgeBase,
    sentence: Sentence,
    score: float,
    context: tuple[Sentence, ...],
    continuation: tuple[Sentence, ...] = (),
) -> Quote:
    first = context[0] if context else sentence
    last = continuation[-1] if continuation else sentence
    text = kb.article(sentence.source).text[first.start : last.end]
    return Quote(sentence, score, context, _one_line(text), continuation)


def _one_line(text: str) -> str:
    """Line breaks inside a quoted span become spaces; the words are the source's own."""
    return re.sub(r"\s*\n\s*", " ", text)


def is_verbatim(quote_text: str, source_text: str) -> bool:
    """Whether a quote appears word for word in the source (line breaks count as spaces)."""
    return " ".join(quote_text.split()) in " ".join(normalise(source_text).split()) or (
        " ".join(quote_text.split()) in " ".join(source_text.split())
    )
