"""Fitting the ranking's feature weights on labelled question sets, judged on sets left out.

Filters decide which sentences may answer and whether a question is answered at all; weights only
order what passed them (``knowledge.ranking``). So each labelled question is searched once
(``answers.ranking_of``) and ranked again under each trial of weights (``answers.quotes_under``):
the scores of a trial are exactly what ``make eval`` would print with those weights in the config.

The search is coordinate ascent over a grid of steps from the hand-set weights: hit@1, hit@any and
precision are step functions of the weights, with no gradient to follow. Each set counts equally,
whatever its size, so five sets on one article do not outvote one set on many. A small pull back
towards the hand-set weights (``PULL``) chooses, among weights that score alike, those closest to
the reasons written beside them. Cross-validation is by set: weights fitted on all sets but one are
scored on that one, which is how they would do on questions nobody has read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.answers import Ranking, answer, quotes_under, ranking_of
from knowledge.evaluation import QuestionSet, Tally, load_question_set
from knowledge.index import KnowledgeBase
from knowledge.ranking import FEATURES

STEPS = (-1.0, -0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1.0)
MAX_ROUNDS = 6
LIMIT = 5.0  # the range RankingWeights accepts
PULL = 0.002  # objective lost per unit of squared distance from the hand-set weights
# The objective: hit@1 first, then the rest of the reply.
OBJECTIVE = {"hit@1": 1.0, "hit@any": 0.25, "precision": 0.25}


@dataclass(frozen=True)
class Labelled:
    """One in-scope question of a set, searched once."""

    ranking: Ranking | None  # None: answered without ranking, the same under any weights
    gold: tuple[str, ...]
    ok: tuple[str, ...]


@dataclass(frozen=True)
class LabelledSet:
    name: str
    kb: KnowledgeBase
    questions: tuple[Labelled, ...]
    fixed: Tally  # the questions answered without ranking, counted once


def labelled_set(path: Path, load: Callable[[Path | None], KnowledgeBase]) -> LabelledSet:
    """A question set's in-scope questions, each searched once in the articles it was written
    for (``load(folder)``; None: the configured seeds)."""
    questions: QuestionSet = load_question_set(path)
    kb = load(questions.knowledge)
    items, fixed = [], Tally()
    for item in questions.in_scope:
        ranking = ranking_of(kb, item.question, item.context)
        items.append(Labelled(ranking, item.gold, item.ok))
        if ranking is None:  # about the articles, or refused: weights change nothing
            texts = [q.text for q in answer(kb, item.question, item.context).quotes]
            fixed.add(texts, item.gold, item.ok)
    return LabelledSet(path.name, kb, tuple(items), fixed)


def scores(labelled: LabelledSet, weights: Sequence[float]) -> dict[str, float]:
    """hit@1, hit@any and precision of a set's in-scope questions under ``weights`` (the same
    measures as ``evaluation.evaluate``)."""
    tally = dataclasses.replace(labelled.fixed)
    for item in labelled.questions:
        if item.ranking is not None:
            texts = [q.text for q in quotes_under(labelled.kb, item.ranking, weights)]
            tally.add(texts, item.gold, item.ok)
    return tally.scores()


def objective(sets: Sequence[LabelledSet], weights: Sequence[float],
              start: Sequence[float]) -> float:
    """The mean over sets of the weighted scores, less the pull back to ``start``."""
    total = 0.0
    for labelled in sets:
        got = scores(labelled, weights)
        total += sum(OBJECTIVE[k] * got[k] for k in OBJECTIVE)
    distance = sum((w - s) ** 2 for w, s in zip(weights, start, strict=True))
    return total / max(len(sets), 1) - PULL * distance


def fit(sets: Sequence[LabelledSet], start: Sequence[float],
        log: Callable[[str], None] = lambda _: None) -> tuple[float, ...]:
    """Coordinate ascent from ``start``: each round tries every step on every weight and keeps
    each that raises the objective, until a round keeps none."""
    weights = list(start)
    best = objective(sets, weights, start)
    for round_ in range(MAX_ROUNDS):
        improved = False
        for at, name in enumerate(FEATURES):
            for step in STEPS:
                trial = list(weights)
                trial[at] = max(-LIMIT, min(LIMIT, trial[at] + step))
                value = objective(sets, trial, start)
                if value > best + 1e-9:
                    best, weights, improved = value, trial, True
                    log(f"round {round_ + 1}: {name} {trial[at]:+.3f} → {value:.4f}")
        if not improved:
            break
    return tuple(weights)


@dataclass(frozen=True)
class Fold:
    """One set left out: its scores under the hand-set weights and under weights fitted on the
    other sets."""

    name: str
    hand: dict[str, float]
    fitted: dict[str, float]
    weights: tuple[float, ...]


def cross_validate(sets: Sequence[LabelledSet], start: Sequence[float],
                   log: Callable[[str], None] = lambda _: None) -> list[Fold]:
    folds = []
    for left_out in sets:
        rest = [s for s in sets if s is not left_out]
        log(f"fitting without {left_out.name}")
        weights = fit(rest, start)
        folds.append(Fold(left_out.name, scores(left_out, start), scores(left_out, weights),
                          weights))
    return folds
