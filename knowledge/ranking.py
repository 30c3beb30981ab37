"""The ranking stage's model: a candidate's features, and the weights that make them a score.

A candidate sentence's score is its BM25 score times ``exp(Σ weight × feature)``. Every feature is
0 for a plain body sentence that matches nothing more than its words, so BM25 alone ranks those;
each feature is a mechanism the words miss (the sentence is a headline, its article names what it
leaves out, it has the date a "when" question wants), and its weight says how much that is worth.
Binary features have weights that are logarithms of multipliers (a headline: ln 0.85); graded ones
are ``ln(1 + bonus × amount)`` with weight 1 by hand, so the hand-set ranking is one point of this
model and a fitted one (``knowledge.fitting``) another. A new mechanism is one new feature here
and one line in ``answers._features``, not another branch of the ranking.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping

# The shapes of the graded features: each bonus is what one unit of the amount multiplies a
# score by at weight 1.
CUE_BONUS = 0.35  # per question cue a sentence satisfies (a date for "when", a number for "how many")
PAIR_BONUS = 0.2  # per pair of neighbouring question words side by side ("Foreign Ministry")
MAX_PAIRS = 2
ARTICLE_BONUS = 0.5  # per share of the question's weight its article's title and lead name
ARTICLE_RELEVANCE = 0.5  # per share of the best article's relevance its article adds
THREAD_NEAR = 3  # a follow-up's thread: the sentences up to this many after the one quoted


@dataclasses.dataclass(frozen=True)
class RankingWeights:
    """One weight a feature (see the module docstring); the defaults are the hand-set ranking
    (each multiplier's reason in ``answers``). ``config/knowledge.yaml`` may set them
    (``retrieval.ranking``), e.g. to weights fitted with ``python -m bot fit``."""

    # A headline is short, so it scores high on few words, yet says less than the body sentence
    # that reports the same thing: it needs a clear lead to be quoted first.
    headline: float = math.log(0.85)
    # An article's first body sentence (or its summary line) is where news writing puts what
    # happened: for a question about a period, the lead of that period's article. A subtitle is
    # not (it takes up a side of the story), unless it opens with a dateline, when it is the news
    # lead the layout put under the headline.
    news_lead: float = math.log(1.3)
    # A question about a period: a sentence of a later article recalling it ("On April 9, …")
    # answers it less directly than the articles of that period.
    other_period: float = math.log(0.7)
    # A sentence recalling a time well before its article's ("On October 9 Beijing announced…")
    # tells the backstory: a question of now, or of how things turned out, wants what its article
    # reports.
    backstory: float = math.log(0.7)
    # The sentence, the one it leans on and its article's lead say none of the names among the
    # question's key terms (names found in at most KEY_TERM_ARTICLES of the articles): of many
    # articles, the one naming what is asked about ("Taiwan") answers it, not another's sentence
    # on the same meeting that shares more of the story's common words.
    name_missing: float = math.log(0.7)
    # Graded, ln(1 + PAIR_BONUS × pairs): neighbouring question words side by side in a sentence
    # ("Foreign Ministry", "trade war"): BM25 sees words apart, a name is words together.
    together: float = 1.0
    # Graded, ln(1 + ARTICLE_BONUS × share): the share of the question's weight that a sentence's
    # article names in its title and lead lines and the sentence does not ("what was agreed in
    # Geneva?" finds the Geneva article's "the talks").
    through_article: float = 1.0
    # Graded, ln(1 + ARTICLE_RELEVANCE × share): the question terms the sentence lacks and its
    # article holds, as far as they make that article match (``relevance``; relative to the best
    # matching article, so at most 1).
    article_relevance: float = 1.0
    # Graded, ln(1 + CUE_BONUS × cues): each question cue the sentence satisfies (a date for
    # "when", a number for "how many", a person for "who").
    cues: float = 1.0
    # A question of now: how much older than the newest article the sentence's article is, in
    # years. The newest article's answer is put first by ``answers._by_time`` when it comes close
    # to the best; this weighs age in among near-ties below it. Fitted: every fold of the
    # cross-validation by set chose -0.3 (``python -m bot fit``); it raised hit@any on the read
    # multi-article set 0.709 -> 0.727 and on the blind one (scored only) 0.66 -> 0.68.
    older: float = -0.3
    # A follow-up ("what did he say about it?") goes on with the story the previous reply told:
    # 1 for the few sentences just after the one it quoted first (``THREAD_NEAR``), ½ for
    # the rest of that sentence's article. ln 1.6: a near-tie goes to the story being told.
    thread: float = math.log(1.6)
    # A period open on one side ("after Geneva", "before the London talks"): how far the
    # sentence's article is from the period's edge, in years. What came right after Geneva
    # answers "after Geneva" better than what came months later, which the period admits too.
    # -1: a month away ×0.92, half a year ×0.61 (read sets: precision and hit@any up, no loss).
    far_from_edge: float = -1.0
    # A question of how things turned out ("did the pause get extended in the end?"): a sentence
    # telling what may happen or was planned ("described another 90-day pause as one option")
    # is not the outcome the question asks about.
    speculation: float = math.log(0.7)

    def __post_init__(self) -> None:
        for name in FEATURES:  # beyond ±5 a feature would outweigh any difference in words
            value = getattr(self, name)
            if not (math.isfinite(value) and -5.0 <= value <= 5.0):
                raise ValueError(f"{name}: expected -5 to 5, got {value}")

    def vector(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in FEATURES)

    @classmethod
    def from_vector(cls, values: Iterable[float]) -> RankingWeights:
        return cls(**dict(zip(FEATURES, (round(float(v), 4) for v in values), strict=True)))

    def as_mapping(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in FEATURES}


FEATURES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RankingWeights))
CUES = FEATURES.index("cues")  # worked out only for a candidate that may rank


def multiplier(weights: tuple[float, ...], features: Iterable[float]) -> float:
    """What the features multiply a candidate's BM25 score by."""
    return math.exp(sum([w * f for w, f in zip(weights, features, strict=False) if f]))


def most(weights: tuple[float, ...], largest: Mapping[int, float]) -> float:
    """The largest multiplier any candidate of a question can get: ``largest`` holds each
    feature's largest value for this question (by position; features not named are 0), and a
    feature with a negative weight can only lower a score."""
    return math.exp(sum(max(0.0, weights[at] * value) for at, value in largest.items()))


def graded(bonus: float, amount: float) -> float:
    """A graded feature's value: ``ln(1 + bonus × amount)``, 0 when there is none of it."""
    return math.log1p(bonus * amount) if amount else 0.0
