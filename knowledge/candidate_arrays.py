"""The ranking of a question's candidates with every candidate at once as arrays, and the exact
Python path only for those that could be quoted: what ``answers._rank`` returns, faster.

At a million sentences the best 200 BM25 candidates of a question score alike, and the largest
boost any candidate of the question could get (``_rank``'s bound) left nearly all of them in
reach of the best: each went through ``_admit`` and ``_features``, tens of microseconds of Python
apiece. Here bit masks of the question terms each candidate, the sentence it leans on and its
article's lead hold (one compiled pass over the candidates' terms, ``SentenceRows``) give each
candidate a bound of its own: its coverage of the question, what its article's lead adds, the
names it says, the question words it holds side by side, its article's age and what that
article adds, all as they are; only backstory and cues (regexes) at their largest. A candidate
the masks show to fail a filter is dropped, and the rest are worked out best bound first, each
with its exact filters and features (the same floats as ``_admit`` and ``_features``: the same
sums of the same terms in the same order), until no bound reaches the bar. A bound only ever
lies above the exact score, so the candidates that may be quoted, and their scores, are those
of the exact path (``tests/test_candidate_arrays.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.backstory import tells_backstory
from knowledge.index import KnowledgeBase
from knowledge.model import LEAD_KINDS, Kind
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
)
from knowledge.relevance import ArticleRelevance
from knowledge.sentence_table import kind_code

try:  # the compiled pass (knowledge/_candidates.c, built on install); else the NumPy path
    from knowledge import _candidates as _compiled
except ImportError:  # pragma: no cover - no C compiler where the project was installed
    _compiled = None

# The features worked out here, in order: with any other list the exact path ranks alone.
KNOWN_FEATURES = (
    "headline",
    "news_lead",
    "other_period",
    "backstory",
    "name_missing",
    "together",
    "through_article",
    "article_relevance",
    "cues",
    "older",
    "thread",
    "far_from_edge",
    "speculation",  # only a question of how things turned out has it: the exact path ranks those
)
_MASK_BITS = 62  # question terms a mask holds (an int64, sign bit left alone)
# Relative slack on a bound: NumPy's exp, and sums in another order, differ from the exact
# path's floats by a few units in the last place; this is far more, and far less than a bound
# is ever loose by.
_SLACK = 1e-9
_AT = {name: k for k, name in enumerate(KNOWN_FEATURES)}
_THREAD = _AT["thread"]
_HEADLINE, _BACKSTORY, _NAME_MISSING, _TOGETHER, _THROUGH_ARTICLE, _ARTICLE_RELEVANCE, _OLDER = (
    _AT[name]
    for name in (
        "headline",
        "backstory",
        "name_missing",
        "together",
        "through_article",
        "article_relevance",
        "older",
    )
)
_NO_CUES = (0.0, 1.0)  # the cue stage of a question asking for no cue, nor which way tariffs go
_PAIRS = [graded(PAIR_BONUS, count) for count in range(MAX_PAIRS + 1)]  # ``together``'s values
_PAIRS_ARRAY = np.array(_PAIRS)
_NO_RELEVANCE = np.zeros((0, 0))
# by kind code (``sentence_table.kind_code``): bit 0, a headline; bit 1, a lead kind
_KIND_FLAGS = np.zeros(len(Kind), dtype=np.int64)
for _kind in Kind:
    _KIND_FLAGS[kind_code(_kind)] = (_kind is Kind.HEADLINE) | (_kind in LEAD_KINDS) << 1
# Whether ``sum`` adds floats one after another (before Python 3.12; later ones compensate): as
# the compiled pass adds them. Otherwise it would not give the exact path's floats.
_SUMS_IN_ORDER = sum([1.0, 1e100, 1.0, -1e100]) == 0.0
# The compiled pass, where it was built for these features and sums add as it does
_COMPILED = (
    _compiled is not None and _compiled.FEATURES == KNOWN_FEATURES and _SUMS_IN_ORDER
)


def _mask(column: Mapping[str, int], terms: Iterable[str]) -> int:
    """The bits of ``terms`` (bit ``column[t]`` for term t)."""
    return sum(1 << column[t] for t in set(terms))


@dataclass(frozen=True)
class Asked:
    """What the ranking needs of a question (not of a period: its filters are regexes)."""

    shares: Mapping[str, float]  # each term's share of the question's weight, in order
    by_article: Sequence[tuple[str, float]]  # (term, share as far as leads tell articles apart)
    focus: frozenset[str]
    predicate: frozenset[str]
    named: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    cues: int  # how many cues the question has
    of_news: bool  # a question of now or later: ``backstory`` counts
    of_now: bool  # a question of now: ``older`` counts
    min_coverage: float
    context_coverage: float  # what a share held only by the sentence leaned on counts for
    article_coverage: float  # what a share of its article's lead (``by_article``) counts for
    thread: tuple[int, ...] = ()  # a follow-up's thread: sentences the previous reply quoted
    picked_coverage: float = 1.0  # the share of ``min_coverage`` the thread's article needs
    # how many of ``shared_terms`` a candidate, what it leans on and its article's lead must
    # hold between them (``answers.MIN_TERMS_SHARED``; 0: no such filter)
    min_shared: int = 0
    shared_terms: tuple[str, ...] = ()
    # it asks about tariffs on a country: the cue stage (``cue_stage``) weighs which way a
    # sentence's tariffs go, even where no cue is asked for
    weighs_direction: bool = False


def rank(
    kb: KnowledgeBase,
    asked: Asked,
    candidates: Sequence[tuple[int, float]],
    relevance: Mapping[str, dict[str, float]],
    keep: float,
    cue_stage: Callable[[int], tuple[float, float] | None],
) -> list[tuple[float, int]] | None:
    """What ``answers._rank`` returns for ``candidates`` (best BM25 first, no-match floor
    taken off) when it is not collecting every candidate: (score, sentence), best first, the
    same quotable candidates with the same scores. ``keep``: the share of the best below which
    a candidate is never quoted; ``cue_stage(i)``: sentence ``i``'s cue feature and the fixed
    factor its score takes besides, None when it lacks a cue the question requires. None when
    this path does not apply (more question terms than a mask holds, features it does not
    know)."""
    if FEATURES != KNOWN_FEATURES or kb.rows is None:
        return None
    terms = list(
        dict.fromkeys(
            [
                *asked.shares,
                *asked.focus,
                *asked.predicate,
                *asked.named,
                *(t for pair in asked.pairs for t in pair),
            ]
        )
    )
    if len(terms) > _MASK_BITS or not candidates:
        return None if candidates else []
    return _Candidates(kb, asked, terms, candidates, relevance).ranked(keep, cue_stage)


@dataclass(frozen=True)
class _Masks:
    """What ``_Candidates`` reads of its candidates, an array each (a row a candidate)."""

    column: dict[str, int]  # each question term's bit
    held: npt.NDArray[np.int64]  # the question terms it holds
    leaned_on: npt.NDArray[np.int64]  # those only the sentence it leans on holds
    lead: npt.NDArray[np.int64]  # those its article's lead names
    side_by_side: npt.NDArray[np.int64]  # question-word pairs it holds side by side
    articles: npt.NDArray[np.int32]  # its article's number
    headline: npt.NDArray[np.bool_]
    thread: npt.NDArray[np.float64]  # ``answers._in_thread``
    in_thread: npt.NDArray[np.bool_]  # of the thread's article
    ages: npt.NDArray[np.float64]  # its article's age, in years


class _Candidates:
    """One question's candidates: bit masks of the question terms each holds (bit k: ``terms[k]``),
    bounds, and the exact features of those worked out."""

    def __init__(
        self,
        kb: KnowledgeBase,
        asked: Asked,
        terms: list[str],
        candidates: Sequence[tuple[int, float]],
        relevance: Mapping[str, dict[str, float]],
    ) -> None:
        self.kb, self.asked = kb, asked
        self.weights = kb.retrieval.ranking.vector()
        column = {t: k for k, t in enumerate(terms)}
        self.ids, self.scores = zip(*candidates, strict=True)  # pairs; never none
        ids = np.array(self.ids, dtype=np.int64)
        found, side_by_side, leaners = self._terms_held(ids, terms, column)
        articles = kb.sentences.articles_of(ids)
        self.articles = articles.tolist()
        lead = kb.lead_masks(terms)
        if _COMPILED:
            thread = np.array(asked.thread, dtype=np.int64)
            self._score_compiled(column, relevance, (
                found, side_by_side, leaners, articles, kb.sentences.kind_codes(ids),
                np.array(self.scores), ids, thread, kb.sentences.articles_of(thread),
            ), lead)
        else:
            self._score_numpy(column, relevance, ids, articles, found, side_by_side, leaners, lead)
        if asked.min_shared:
            self.order = self._sharing(column, found, leaners, lead[articles])

    def _sharing(
        self,
        column: dict[str, int],
        found: npt.NDArray[np.int64],
        leaners: npt.NDArray[np.int64],
        lead: npt.NDArray[np.int64],
    ) -> list[int]:
        """``order`` without the candidates that, with the sentence each leans on and its
        article's lead, hold fewer than ``min_shared`` of ``shared_terms`` (``answers._admit``)."""
        n = len(self.ids)
        about = found[:n] | lead
        if len(leaners):
            about[leaners] |= found[n:]
        shared = np.zeros(n, dtype=np.int64)
        for term in set(self.asked.shared_terms):  # a bit count (``np.bitwise_count``: NumPy 2)
            shared += (about >> column[term]) & 1
        return [k for k in self.order if shared[k] >= self.asked.min_shared]

    def _terms_held(
        self, ids: npt.NDArray[np.int64], terms: list[str], column: dict[str, int]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The question terms each candidate holds and then each sentence a leaning candidate
        leans on (bit masks, ``kb.rows.held``), how many question-word pairs each holds side by
        side, and which candidates lean (by position, in the order of those sentences)."""
        kb, before = self.kb, self.kb.sentences.previous_id
        leaners = [
            (k, b)
            for k in np.flatnonzero(kb.cues.leaning(ids)).tolist()
            if (b := before(self.ids[k])) is not None
        ]
        rows = [kb.scorer.row(t) for t in terms]
        pairs = [(rows[column[a]], rows[column[b]]) for a, b in self.asked.pairs]
        found, side_by_side = kb.rows.held(
            np.concatenate([ids, np.array([b for _, b in leaners], dtype=np.int64)])
            if leaners else ids,
            rows,
            [(a, b) for a, b in pairs if a is not None and b is not None],
        )
        return found, side_by_side, np.array([k for k, _ in leaners], dtype=np.int64)

    def _score_numpy(
        self,
        column: dict[str, int],
        relevance: Mapping[str, dict[str, float]],
        ids: npt.NDArray[np.int64],
        articles: npt.NDArray[np.int32],
        found: npt.NDArray[np.int64],
        side_by_side: npt.NDArray[np.int64],
        leaners: npt.NDArray[np.int64],
        lead: npt.NDArray[np.int64],
    ) -> None:
        """The candidates' arrays (``_Masks``) for ``_bounds``: where the compiled pass is not
        used."""
        kb, n = self.kb, len(ids)
        # a follow-up's thread: ``answers._in_thread`` for every candidate, and whether its
        # article is the thread's (where the coverage bar is lower)
        in_thread = np.zeros(n, dtype=bool)
        near = np.zeros(n)
        for t in self.asked.thread:
            same = articles == kb.sentences.articles_of(np.array([t], dtype=np.int64))[0]
            after = ids - t
            near = np.maximum(near, np.where(
                same & (after > 0) & (after <= THREAD_NEAR), 1.0, np.where(same & (after != 0), 0.5, 0.0)
            ))
            in_thread |= same
        held = found[:n]
        leaned_on = np.zeros(n, dtype=np.int64)
        if len(leaners):
            leaned_on[leaners] = found[n:] & ~held[leaners]
        self.lead_kind = kb.sentences.of_kinds(ids, LEAD_KINDS).tolist()
        self._bounds(_Masks(
            column, held, leaned_on, lead[articles], side_by_side[:n], articles,
            kb.sentences.of_kinds(ids, (Kind.HEADLINE,)), near, in_thread,
            kb.article_ages[articles],
        ), relevance)

    def _score_compiled(
        self,
        column: dict[str, int],
        relevance: Mapping[str, dict[str, float]],
        candidates: tuple[npt.NDArray, ...],
        lead: npt.NDArray[np.int64],
    ) -> None:
        """Every candidate's filters, exact multiplier and bound in one compiled pass
        (``knowledge/_candidates.c``): what ``_bounds`` and ``_multiplier`` work out, the same
        floats. ``candidates``: what ``score`` reads of them; ``lead``: each article's lead's
        question terms."""
        asked, weights = self.asked, self.weights
        names: list[str] = []
        matrix, best = _NO_RELEVANCE, 1.0
        if isinstance(relevance, ArticleRelevance):
            names, matrix, best = relevance.matrix()
        shares = list(asked.shares.items())
        question = (
            np.array([1 << column[t] for t, _ in shares], dtype=np.int64),
            np.array([s for _, s in shares], dtype=np.float64),
            np.array([1 << column[t] for t, _ in asked.by_article], dtype=np.int64),
            np.array([w for _, w in asked.by_article], dtype=np.float64),
            np.array([
                _mask(column, asked.focus),
                _mask(column, asked.predicate),
                _mask(column, asked.named),
                _mask(column, (t for pair in asked.pairs for t in pair)),
            ], dtype=np.int64),
        )
        settings = np.array([
            asked.min_coverage, asked.picked_coverage, asked.context_coverage,
            asked.article_coverage, ARTICLE_BONUS, ARTICLE_RELEVANCE, best,
            math.exp(max(0.0, weights[_AT["cues"]] * graded(CUE_BONUS, asked.cues))),
            float(asked.of_news), float(asked.of_now), THREAD_NEAR,
        ])
        articles = (
            _KIND_FLAGS, lead, self.kb.article_ages, matrix,
            np.array([1 << column[t] for t in names], dtype=np.int64),
        )
        self.order, self.bound, self.plain, self.with_backstory, self.lead_kind = (
            _compiled.score(candidates, articles, question, np.array(weights), _PAIRS_ARRAY,
                            settings)
        )
        self._boost = self._compiled_multiplier

    def _compiled_multiplier(self, k: int) -> float | None:
        """``_multiplier`` from the compiled pass: its backstory, a regex, worked out here."""
        if self.asked.of_news:
            day = self.kb.article_days[self.articles[k]]
            if day is not None and tells_backstory(self.kb.sentences.text(self.ids[k]), day):
                return self.with_backstory[k]
        return self.plain[k]

    def _bounds(self, masks: _Masks, relevance: Mapping[str, dict[str, float]]) -> None:
        """Each candidate's bound and whether it may pass the filters, over arrays, and what
        ``_multiplier`` reads for those worked out: where ``knowledge._candidates`` is not
        built (or Python's ``sum`` does not add one float after another)."""
        asked, weights, column = self.asked, self.weights, masks.column
        n, terms = len(self.ids), len(column)
        held, leaned_on, lead = masks.held, masks.leaned_on, masks.lead
        about = held | leaned_on | lead
        self.held, self.leaned_on, self.lead = held.tolist(), leaned_on.tolist(), lead.tolist()
        self.thread, self.in_thread = masks.thread.tolist(), masks.in_thread.tolist()
        bar = asked.min_coverage * np.where(masks.in_thread, asked.picked_coverage, 1.0)
        self.shares = [(1 << column[t], s) for t, s in asked.shares.items()]
        self.by_article = [(1 << column[t], w) for t, w in asked.by_article]
        self.named = _mask(column, asked.named)

        # the filters: exactly, but coverage as far as the slack (its exact sum decides)
        shifts = np.arange(terms, dtype=np.int64)
        holds = ((held[:, None] >> shifts) & 1).astype(bool)  # a column a term
        share = np.zeros(terms)
        share[[column[t] for t in asked.shares]] = list(asked.shares.values())
        by_article = np.zeros(terms)
        by_article[[column[t] for t, _ in asked.by_article]] = [w for _, w in asked.by_article]
        through_article = (((lead & ~held)[:, None] >> shifts) & 1) @ by_article
        coverage = holds @ share + asked.article_coverage * through_article
        if leaned_on.any():
            coverage += asked.context_coverage * (((leaned_on[:, None] >> shifts) & 1) @ share)
        possible = coverage >= bar * (1 - _SLACK)
        if asked.focus:
            possible &= (held & _mask(column, asked.focus)) != 0
        if asked.predicate:
            possible &= (about & _mask(column, asked.predicate)) != 0

        # the features but backstory and cues, exactly (``together`` as an integer, the rest
        # as far as the slack), and those two at their largest for the question: the bounds
        together = np.zeros(n, dtype=np.int64)
        if asked.pairs:  # pairs of question words side by side, if it holds two of their terms
            two = holds[:, sorted({column[t] for pair in asked.pairs for t in pair})].sum(1) > 1
            together = np.where(two, np.minimum(masks.side_by_side, MAX_PAIRS), 0)
        self.together = together.tolist()
        headline = masks.headline
        self.headline = headline.astype(float).tolist()
        self._admitted: dict[tuple[int, int, int, bool], float | None] = {}
        # what each candidate's article adds (``relevance``): each term's share by candidate, in
        # the order ``relevance.get`` lists them (0 where the article does not hold the term,
        # which ``get`` leaves out)
        self.relevance_terms: list[int] = []
        self.relevance: list[list[float]] = [[]] * n
        added = np.zeros(n)
        if isinstance(relevance, ArticleRelevance):
            names, values = relevance.columns(masks.articles)
            self.relevance_terms = [1 << column[t] for t in names]
            added = (values * ~holds[:, [column[t] for t in names]].T).sum(axis=0)
            self.relevance = values.T.tolist()
        ages = masks.ages
        self.ages = ages.tolist()
        graded_values = np.log1p(
            np.array(
                [PAIR_BONUS * together, ARTICLE_BONUS * through_article, ARTICLE_RELEVANCE * added]
            )
        )
        exponent = (
            np.array([weights[_TOGETHER], weights[_THROUGH_ARTICLE], weights[_ARTICLE_RELEVANCE]])
            @ graded_values
            + weights[_HEADLINE] * headline
            + max(0.0, weights[_BACKSTORY] * asked.of_news)
            + weights[_THREAD] * masks.thread
            + max(0.0, weights[_AT["cues"]] * graded(CUE_BONUS, asked.cues))
        )
        if asked.named:
            exponent += weights[_NAME_MISSING] * ((about & self.named) == 0)
        if asked.of_now:
            exponent += weights[_OLDER] * ages
        bound = np.asarray(self.scores) * np.exp(exponent) * (1 + _SLACK)
        order = np.argsort(-bound, kind="stable")
        self.order = order[possible[order]].tolist()
        self.bound = bound.tolist()
        self._boost = self._multiplier

    def ranked(
        self, keep: float, cue_stage: Callable[[int], tuple[float, float] | None]
    ) -> list[tuple[float, int]]:
        """``answers._rank``'s loop over the candidates best bound first: each one that may
        still reach the bar (``keep`` of the best so far) scored exactly."""
        weights = self.weights
        ranked: list[tuple[float, int]] = []
        best_any = best_body = 0.0  # the bars for a lead sentence and a body sentence
        most_cues = math.exp(max(0.0, weights[CUES] * graded(CUE_BONUS, self.asked.cues)))
        bounds, lead_kinds, ids, scores = self.bound, self.lead_kind, self.ids, self.scores
        multiplier, cued = self._boost, bool(self.asked.cues) or self.asked.weighs_direction
        for k in self.order:
            bound, lead = bounds[k], lead_kinds[k]
            if bound < keep * best_body:
                break  # nor can any after it
            if lead and bound < keep * best_any:
                continue
            boost = multiplier(k)
            if boost is None:
                continue
            i = ids[k]
            score = scores[k] * boost
            if score * most_cues < keep * (best_any if lead else best_body):
                continue  # cannot be quoted even with every cue: its cues are not worked out
            stage = cue_stage(i) if cued else _NO_CUES  # no cue asked for: none offered
            if stage is None:
                continue
            cues, factor = stage
            score *= math.exp(weights[CUES] * cues) if cues else 1.0
            score *= factor
            ranked.append((score, i))
            if score > best_any:
                best_any = score
            if not lead and score > best_body:
                best_body = score
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return ranked

    def _multiplier(self, k: int) -> float | None:
        """What candidate ``k``'s features but its cues multiply its BM25 score by, or None when
        it fails a filter: ``ranking.multiplier`` of what ``answers._admit`` and
        ``answers._features`` give, the same float (the same sums of the same terms in the same
        order; a feature that is 0 adds nothing, as there)."""
        held, leaned_on, lead = self.held[k], self.leaned_on[k], self.lead[k]
        picked = self.in_thread[k]
        key = (held, leaned_on, lead, picked)  # candidates of the same terms share these
        if key not in self._admitted:
            self._admitted[key] = self._admit(held, leaned_on, lead, picked)
        through_article = self._admitted[key]
        if through_article is None:
            return None
        asked, kb, w = self.asked, self.kb, self.weights
        parts = zip(self.relevance_terms, self.relevance[k], strict=True)
        added = sum([part for b, part in parts if part > 0 and not held & b])
        # each feature's weight × value, in the order of ``ranking.FEATURES``: news_lead and
        # other_period are a period question's only, cues are worked out last
        terms = [w[_HEADLINE]] if self.headline[k] else []
        if asked.of_news:
            day = kb.article_days[self.articles[k]]
            # an undated article tells no backstory: its sentence's text is not made
            if day is not None and tells_backstory(kb.sentences.text(self.ids[k]), day):
                terms.append(w[_BACKSTORY])
        if self.named and not self.named & (held | leaned_on | lead):
            terms.append(w[_NAME_MISSING])
        if self.together[k]:
            terms.append(w[_TOGETHER] * _PAIRS[self.together[k]])
        through_article = graded(ARTICLE_BONUS, through_article)
        if through_article:
            terms.append(w[_THROUGH_ARTICLE] * through_article)
        added = graded(ARTICLE_RELEVANCE, added)
        if added:
            terms.append(w[_ARTICLE_RELEVANCE] * added)
        if asked.of_now and self.ages[k]:
            terms.append(w[_OLDER] * self.ages[k])
        if self.thread[k]:
            terms.append(w[_THREAD] * self.thread[k])  # far_from_edge: a period question's only
        return math.exp(sum(terms))

    def _admit(self, held: int, leaned_on: int, lead: int, picked: bool) -> float | None:
        """The share of the question its article's lead names and the sentence does not (see
        ``answers._admit``), or None when its coverage is too low: ``_admit``'s sums (``picked``:
        the thread's article, where the bar is lower)."""
        asked = self.asked
        coverage = sum([share for b, share in self.shares if held & b])
        if leaned_on:
            coverage += asked.context_coverage * sum(
                [share for b, share in self.shares if leaned_on & b]
            )
        if coverage == 0:
            return None
        through_article = (
            sum([w for b, w in self.by_article if lead & b and not held & b])
            if self.by_article
            else 0.0
        )
        coverage += asked.article_coverage * through_article
        bar = asked.min_coverage * (asked.picked_coverage if picked else 1.0)
        return None if coverage < bar else through_article
