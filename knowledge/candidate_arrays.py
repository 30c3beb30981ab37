"""The ranking of a question's candidates with every candidate at once as arrays, and the exact
Python path only for the few that could be quoted: what ``answers._rank`` returns, faster.

At a million sentences the best 200 BM25 candidates of a question score alike, and the largest
boost any candidate of the question could get (``_rank``'s bound) left nearly all of them in
reach of the best: each went through ``_admit`` and ``_features``, tens of microseconds of Python
apiece. Here a matrix of which question terms each candidate, the sentence it leans on and its
article's lead hold (NumPy over the postings) gives each candidate a bound of its own: its
coverage of the question, what its article's lead adds, the names it says, the pairs of question
words it could hold side by side, its article's age and what that article adds. A candidate the
matrix shows to fail a filter is dropped, and the rest are worked out best bound first, each
with its exact filters and features (the same floats as ``_admit`` and ``_features``, from bit
masks), until no bound reaches the bar: a bound only ever lies above the exact score, so the
quotes are those of the exact path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

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
    graded,
    multiplier,
)
from knowledge.relevance import ArticleRelevance

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
)
_MASK_BITS = 62  # question terms a mask holds (an int64, sign bit left alone)
# Relative slack on a bound: NumPy's exp, and sums in another order, differ from the exact
# path's floats by a few units in the last place; this is far more, and far less than a bound
# is ever loose by.
_SLACK = 1e-9
_AT = {name: k for k, name in enumerate(KNOWN_FEATURES)}


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


def rank(
    kb: KnowledgeBase,
    asked: Asked,
    candidates: Sequence[tuple[int, float]],
    leaning: Mapping[int, int | None],
    relevance: Mapping[str, dict[str, float]],
    keep: float,
    cues_of: Callable[[int], float | None],
) -> list[tuple[float, int]] | None:
    """What ``answers._rank`` returns for ``candidates`` (best BM25 first, no-match floor taken
    off; ``leaning``: the sentence each leaning one leans on), as (score, sentence) best first,
    when it is not collecting every candidate: the same quotable candidates with the same
    scores. ``keep``: the share of the best below which a candidate is never quoted;
    ``cues_of(i)``: sentence ``i``'s cue feature, None when it lacks a cue the question
    requires. None when this path does not apply (more question terms than a mask holds,
    features it does not know)."""
    if FEATURES != KNOWN_FEATURES:
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
    return _Candidates(kb, asked, terms, candidates, leaning, relevance).ranked(keep, cues_of)


class _Candidates:
    """One question's candidates: bit masks of the question terms each holds (bit k: ``terms[k]``),
    bounds, and the exact features of the few worked out."""

    def __init__(
        self,
        kb: KnowledgeBase,
        asked: Asked,
        terms: list[str],
        candidates: Sequence[tuple[int, float]],
        leaning: Mapping[int, int | None],
        relevance: Mapping[str, dict[str, float]],
    ) -> None:
        self.kb, self.asked = kb, asked
        self.weights = kb.retrieval.ranking.vector()
        bit = {t: 1 << k for k, t in enumerate(terms)}
        n = len(candidates)
        self.ids = [i for i, _ in candidates]
        self.scores = [s for _, s in candidates]
        # the candidates' rows, then those of the sentences they lean on
        leaners = [(k, b) for k, i in enumerate(self.ids) if (b := leaning.get(i)) is not None]
        rows = np.array(self.ids + [b for _, b in leaners], dtype=np.int64)
        found = kb.scorer.holding_matrix(terms, rows)
        held = found[:n]
        leaned_on = np.zeros_like(held)
        if leaners:
            at = [k for k, _ in leaners]
            leaned_on[at] = found[n:] & ~held[at]
        articles = kb.sentences.articles_of(rows[:n])
        lead = kb.lead_holding(terms)[articles]
        about = held | leaned_on | lead
        to_mask = np.int64(1) << np.arange(len(terms), dtype=np.int64)
        self.held, self.leaned_on, self.lead = (
            (m @ to_mask).tolist() for m in (held, leaned_on, lead)
        )

        def vector(values: Sequence[tuple[str, float]]) -> np.ndarray:
            out = np.zeros(len(terms))
            for t, v in values:
                out[terms.index(t)] = v
            return out

        def mask(wanted: Sequence[str]) -> int:
            return sum(bit[t] for t in set(wanted))

        self.shares = [(bit[t], s) for t, s in asked.shares.items()]
        self.by_article = [(bit[t], w) for t, w in asked.by_article]
        self.named, self.predicate = mask(asked.named), mask(asked.predicate)
        self.pair_terms = mask([t for pair in asked.pairs for t in pair])
        masks = (about @ to_mask) if asked.predicate or asked.named else None

        # bounds: a feature worked out here at its value, one that is not (backstory, cues,
        # ``together`` short of the terms' order) at its largest for the question
        weights = self.weights
        share_vector = vector(list(asked.shares.items()))
        through_article = (lead & ~held) @ vector(asked.by_article)
        coverage = (
            held @ share_vector
            + asked.context_coverage * (leaned_on @ share_vector)
            + asked.article_coverage * through_article
        )
        possible = coverage >= asked.min_coverage * (1 - _SLACK)
        if asked.focus:
            possible &= (held @ to_mask & mask(asked.focus)) != 0
        if asked.predicate:
            possible &= (masks & self.predicate) != 0
        self.headline = kb.sentences.of_kinds(rows[:n], (Kind.HEADLINE,))
        exponent = weights[_AT["headline"]] * self.headline + weights[
            _AT["through_article"]
        ] * np.log1p(ARTICLE_BONUS * through_article)
        exponent += sum(
            max(0.0, weights[_AT[name]] * top)
            for name, top in (
                ("backstory", float(asked.of_news)),
                ("cues", graded(CUE_BONUS, asked.cues)),
            )
        )
        if asked.named:
            exponent += weights[_AT["name_missing"]] * ((masks & self.named) == 0)
        if asked.pairs:  # at most the pairs whose two terms it holds, side by side or not
            both = sum(held[:, terms.index(a)] & held[:, terms.index(b)] for a, b in asked.pairs)
            some = held[:, [terms.index(t) for t in bit if bit[t] & self.pair_terms]].sum(axis=1)
            together = np.log1p(PAIR_BONUS * np.where(some > 1, np.minimum(both, MAX_PAIRS), 0))
            exponent += np.maximum(0.0, weights[_AT["together"]] * together)
        self.relevance: list[tuple[int, list[float], list[bool]]] = []
        if isinstance(relevance, ArticleRelevance):
            added = np.zeros(n)
            for term, values in relevance.columns(articles):
                added += values * ~held[:, terms.index(term)]
                self.relevance.append((bit[term], values.tolist(), (values > 0).tolist()))
            exponent += weights[_AT["article_relevance"]] * np.log1p(ARTICLE_RELEVANCE * added)
        ages = kb.article_ages[articles]
        if asked.of_now:
            exponent += weights[_AT["older"]] * ages
        self.ages = ages.tolist()
        self.lead_kind = kb.sentences.of_kinds(rows[:n], LEAD_KINDS).tolist()
        self.headline = self.headline.tolist()
        bound = np.asarray(self.scores) * np.exp(exponent) * (1 + _SLACK)
        order = np.argsort(-bound, kind="stable")
        self.order = order[possible[order]].tolist()
        self.bound = bound.tolist()

    def ranked(
        self, keep: float, cues_of: Callable[[int], float | None]
    ) -> list[tuple[float, int]]:
        """``answers._rank``'s loop over the candidates best bound first: each one that may
        still reach the bar (``keep`` of the best so far) scored exactly."""
        weights = self.weights
        ranked: list[tuple[float, int]] = []
        best_any = best_body = 0.0  # the bars for a lead sentence and a body sentence
        most_cues = math.exp(max(0.0, weights[CUES] * graded(CUE_BONUS, self.asked.cues)))
        for k in self.order:
            bound, lead = self.bound[k], self.lead_kind[k]
            if bound < keep * best_body:
                break  # nor can any after it
            if lead and bound < keep * best_any:
                continue
            features = self._features(k)
            if features is None:
                continue
            i = self.ids[k]
            score = self.scores[k] * multiplier(weights, features)
            if score * most_cues < keep * (best_any if lead else best_body):
                continue  # cannot be quoted even with every cue: its cues are not worked out
            cues = cues_of(i)
            if cues is None:
                continue
            score *= math.exp(weights[CUES] * cues) if cues else 1.0
            ranked.append((score, i))
            best_any = max(best_any, score)
            if not lead:
                best_body = max(best_body, score)
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return ranked

    def _features(self, k: int) -> tuple[float, ...] | None:
        """Candidate ``k``'s features but its cues, or None when it fails a filter: what
        ``answers._admit`` and ``answers._features`` give, the same floats (the same sums of
        the same terms in the same order)."""
        asked, kb = self.asked, self.kb
        held, leaned_on, lead = self.held[k], self.leaned_on[k], self.lead[k]
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
        if coverage < asked.min_coverage:
            return None
        about = held | leaned_on | lead
        i = self.ids[k]
        backstory = 0.0
        if asked.of_news:
            day = kb.day(kb.sentences.source(i))
            backstory = float(tells_backstory(kb.sentences.text(i), day))
        together = 0
        if (held & self.pair_terms).bit_count() > 1:
            together = min(len(asked.pairs.intersection(pairwise(kb.terms[i]))), MAX_PAIRS)
        added = sum([values[k] for b, values, holds in self.relevance if holds[k] and not held & b])
        return (
            float(self.headline[k]),
            0.0,  # news_lead and other_period: a period question's only
            0.0,
            backstory,
            float(bool(self.named) and not self.named & about),
            graded(PAIR_BONUS, together),
            graded(ARTICLE_BONUS, through_article),
            graded(ARTICLE_RELEVANCE, added),
            0.0,  # cues: worked out last
            self.ages[k] if asked.of_now else 0.0,
        )
