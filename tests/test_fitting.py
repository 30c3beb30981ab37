"""The ranking as features and weights, and fitting the weights on labelled sets (read sets only)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from knowledge import fitting
from knowledge.answers import answer, quotes_under, ranking_of
from knowledge.config import ConfigError, load_knowledge_config
from knowledge.evaluation import evaluate, load_question_set
from knowledge.index import KnowledgeBase, load_knowledge_base
from knowledge.ranking import FEATURES, RankingWeights, most, multiplier
from tests.conftest import ROOT, TIMELINE
from tests.test_cli import database, run  # noqa: F401  (the CLI test's own SQLite file)

DATA = ROOT / "tests" / "data"
TIMELINE_SET = DATA / "timeline_questions.yaml"  # read sets only: never an unread one here
DEV_SET = DATA / "dev_questions.yaml"


@pytest.fixture(scope="module")
def labelled(config, timeline_kb, kb) -> dict[str, fitting.LabelledSet]:
    built = {TIMELINE: timeline_kb, None: kb}

    def load(folder: Path | None) -> KnowledgeBase:
        return built[folder]

    return {p.name: fitting.labelled_set(p, load) for p in (TIMELINE_SET, DEV_SET)}


def test_hand_set_weights_are_the_multipliers_they_stand_for():
    weights = RankingWeights()
    assert math.isclose(multiplier(weights.vector(), _one("headline")), 0.85)
    assert math.isclose(multiplier(weights.vector(), _one("news_lead")), 1.3)
    assert multiplier(weights.vector(), [0.0] * len(FEATURES)) == 1.0
    # the bound: negative weights never raise it, positive ones by their largest value
    at = FEATURES.index
    bound = most(weights.vector(), {at("headline"): 1.0, at("news_lead"): 1.0})
    assert math.isclose(bound, 1.3)


def _one(name: str) -> list[float]:
    return [1.0 if f == name else 0.0 for f in FEATURES]


def test_ranking_again_gives_what_answer_gives(timeline_kb, config):
    """Re-ranking the collected candidates under the configured weights reproduces ``answer``
    quote for quote: the fit scores exactly what ``make eval`` would."""
    weights = config.retrieval.ranking.vector()
    compared = 0
    for item in load_question_set(TIMELINE_SET).in_scope:
        ranking = ranking_of(timeline_kb, item.question, item.context)
        if ranking is None:
            continue
        expected = [q.text for q in answer(timeline_kb, item.question, item.context).quotes]
        assert [q.text for q in quotes_under(timeline_kb, ranking, weights)] == expected
        compared += 1
    assert compared > 40


def test_fitting_scores_are_the_evaluations(labelled, timeline_kb, config):
    report = evaluate(timeline_kb, load_question_set(TIMELINE_SET))
    got = fitting.scores(labelled[TIMELINE_SET.name], config.retrieval.ranking.vector())
    for measure in ("hit@1", "hit@any", "precision"):
        assert got[measure] == pytest.approx(report.scores[measure])


def test_other_weights_change_the_ranking(labelled, config):
    """The weights matter: turning the article features off loses answers on many articles."""
    start = config.retrieval.ranking.vector()
    off = list(start)
    for name in ("through_article", "article_relevance", "name_missing"):
        off[FEATURES.index(name)] = 0.0
    timeline = labelled[TIMELINE_SET.name]
    assert fitting.scores(timeline, off)["hit@1"] < fitting.scores(timeline, start)["hit@1"]


def test_fit_never_ends_below_where_it_started(labelled, config):
    sets = list(labelled.values())
    start = config.retrieval.ranking.vector()
    weights = fitting.fit(sets, start)
    assert fitting.objective(sets, weights, start) >= fitting.objective(sets, start, start)
    RankingWeights.from_vector(weights)  # within the range the configuration accepts


def test_cross_validation_scores_each_set_under_weights_fitted_on_the_others(labelled, config):
    sets = list(labelled.values())
    start = config.retrieval.ranking.vector()
    folds = fitting.cross_validate(sets, start)
    assert [f.name for f in folds] == [s.name for s in sets]
    for fold, labelled_set in zip(folds, sets, strict=True):
        assert fold.hand == fitting.scores(labelled_set, start)
        assert fold.fitted == fitting.scores(labelled_set, fold.weights)


def test_configured_weights_are_used(tmp_path, config):
    """Weights set in the YAML reach the ranking: a headline weighted up comes first."""
    path = tmp_path / "config" / "knowledge.yaml"
    path.parent.mkdir()
    data = yaml.safe_load((ROOT / "config" / "knowledge.yaml").read_text())
    data["seeds"] = str(config.seeds)
    data.setdefault("retrieval", {})["ranking"] = {"headline": 3.0}
    path.write_text(yaml.safe_dump(data))
    loaded = load_knowledge_config(path)
    assert loaded.retrieval.ranking.headline == 3.0
    kb = load_knowledge_base(loaded)
    first = answer(kb, "is China negotiating?").quotes[0]
    assert first.sentence.kind.name == "HEADLINE"
    default_first = answer(load_knowledge_base(config), "is China negotiating?").quotes[0]
    assert default_first.sentence.kind.name != "HEADLINE"


@pytest.mark.parametrize("value", [9, "high", None])
def test_a_bad_weight_is_one_line_naming_it(tmp_path, config, value):
    path = tmp_path / "knowledge.yaml"
    path.write_text(yaml.safe_dump({"retrieval": {"ranking": {"headline": value}}}))
    with pytest.raises(ConfigError) as caught:
        load_knowledge_config(path)
    assert "retrieval.ranking.headline" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_fit_command_prints_folds_and_the_block_to_paste():
    result = run("fit", str(DEV_SET), str(DATA / "holdout_questions.yaml"))
    assert result.returncode == 0, result.stderr
    assert "cross-validation by set" in result.stdout
    assert "holdout_questions.yaml (fitted on others)" in result.stdout
    block = result.stdout.split("to use the fitted weights:\n", 1)[1]
    weights = yaml.safe_load(block)["retrieval"]["ranking"]
    assert set(weights) == set(FEATURES)
    RankingWeights(**weights)


def test_explain_follows_an_expected_answer_through_the_stages(timeline_kb):
    from knowledge.explain import explain

    text = explain(timeline_kb, "where in stockholm did they meet", find="Rosenbad")
    assert "key terms: stockholm" in text and "cues: place" in text
    assert "candidates, best first" in text and "dropped, in BM25 order" in text
    assert "below 0.35" in text  # a coverage verdict, with the setting it fell short of
    found = text.split("find 'Rosenbad':\n", 1)[1]
    assert found.lstrip().startswith("candidate ") and "through_article" in found
    reply = text.split("reply:\n", 1)[1]
    first = answer(timeline_kb, "where in stockholm did they meet").quotes[0]
    assert f"#{first.sentence.id}" in reply.splitlines()[0]


def test_explain_says_why_a_question_is_not_ranked(timeline_kb):
    from knowledge.explain import explain

    text = explain(timeline_kb, "what did Angela Merkel say?")
    assert "not ranked" in text and "no answer" in text


def test_explain_command():
    result = run("explain", "is China negotiating?", "--find", "NOT having any")
    assert result.returncode == 0, result.stderr
    assert "candidates, best first" in result.stdout and "find 'NOT having any':" in result.stdout
    missing = run("explain", "hello", "--seeds", "/nonexistent")
    assert missing.returncode == 2 and "--seeds" in missing.stderr
