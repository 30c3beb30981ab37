"""The compact knowledge base (sentences, terms and spans in arrays) holds what the per-sentence
objects held: the same sentences, the same terms, the same scorer."""

from __future__ import annotations

import dataclasses
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from knowledge import sentence_rows
from knowledge.analysis import Analyzer
from knowledge.article_analysis import analyse_article, article_spans
from knowledge.compact import SpanArray
from knowledge.config import KnowledgeConfig
from knowledge.index import KnowledgeBase, build_knowledge_base, split_article
from knowledge.ingest import load_articles
from knowledge.model import Kind, Paragraph
from knowledge.scoring import BM25Scorer
from tests.conftest import SEED, TIMELINE


@pytest.fixture(scope="module")
def repeated(config: KnowledgeConfig, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The timeline articles and the seed, with one article copied under another name and one
    paragraph of another repeated: sentences dropped as repeats across and within articles."""
    folder = tmp_path_factory.mktemp("seeds")
    for path in sorted(TIMELINE.glob("*.md")):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    first = sorted(TIMELINE.glob("*.md"))[0]
    (folder / ("zz_copy_" + first.name)).write_text(first.read_text(encoding="utf-8"))
    seed = SEED.read_text(encoding="utf-8")
    (folder / SEED.name).write_text(seed + "\n\n" + seed.strip().split("\n\n")[-1] + "\n")
    articles, _ = load_articles(folder)
    return build_knowledge_base(articles, Analyzer.from_aliases(config.aliases), config.retrieval)


def test_sentences_are_those_split_one_by_one(repeated: KnowledgeBase) -> None:
    seen: set[str] = set()
    expected = []
    for article in repeated.articles:
        expected += split_article(article, len(expected), seen)
    assert len(repeated.sentences) < sum(len(article_spans(a)) for a in repeated.articles)
    assert list(repeated.sentences) == expected
    assert [repeated.sentences[i] for i in range(-3, 0)] == expected[-3:]
    assert list(repeated.sentences.texts()) == [s.text for s in expected]


def test_terms_are_each_sentences_analysis(repeated: KnowledgeBase, config: KnowledgeConfig) -> None:
    analyzer = Analyzer.from_aliases(config.aliases)
    for article in repeated.articles:
        done = analyse_article(article, analyzer)
        by_text = {}
        for at, (number, start, end) in enumerate(done.spans):
            paragraph = next(p for p in article.paragraphs if p.number == number)
            by_text.setdefault(paragraph.text[start:end], done.terms(at))
        for i in repeated.sentences.ids_of(article.source):
            assert repeated.terms[i] == by_text[repeated.sentences.text(i)]
    assert repeated.terms == [tuple(t) for t in repeated.terms]


def test_scorer_from_rows_is_the_scorer_of_the_term_lists(repeated: KnowledgeBase) -> None:
    retrieval = repeated.retrieval
    plain = BM25Scorer(
        [list(t) for t in repeated.terms],
        retrieval.variant,
        k1=retrieval.k1,
        b=retrieval.b,
        epsilon=retrieval.epsilon,
        delta=retrieval.delta,
    )
    compact = repeated.scorer
    assert list(compact._rows.items()) == list(plain._rows.items())  # same rows, same order
    for name in ("_offsets", "_docs", "_weights", "_idf", "_best"):
        mine, theirs = getattr(compact, name), getattr(plain, name)
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name
    assert compact.avgdl == plain.avgdl and compact.corpus_size == plain.corpus_size


def test_scorer_from_rows_matches_float64_too() -> None:
    corpus = [["a", "b", "a"], ["c"], ["b", "c", "d", "d"], [], ["e", "a"]]
    rows = {t: r for r, t in enumerate(dict.fromkeys(t for doc in corpus for t in doc))}
    token_rows = np.array([rows[t] for doc in corpus for t in doc], dtype=np.int64)
    lengths = np.array([len(doc) for doc in corpus], dtype=np.int64)
    for variant in ("okapi", "plus", "l"):
        plain = BM25Scorer(corpus, variant, dtype=np.float64)
        compact = BM25Scorer.from_rows(token_rows.copy(), lengths, list(rows), variant,
                                       dtype=np.float64)
        for query in (["a"], ["b", "d", "zz"], ["c", "c", "e"]):
            assert np.array_equal(compact.scores(query), plain.scores(query))
            assert compact.top_k(query, 3) == plain.top_k(query, 3)


def test_span_array_reads_like_the_list_it_holds() -> None:
    spans = [(1, 0, 10), (1, 11, 30), (2, 0, 5)]
    compact = SpanArray(spans)
    assert compact == spans and spans == compact and list(compact) == spans
    assert compact[1] == (1, 11, 30) and compact[-1] == (2, 0, 5) and compact[:2] == spans[:2]
    assert len(compact) == 3 and compact != spans[:2] and SpanArray() == []
    with pytest.raises(IndexError):
        compact[3]


def test_paragraphs_are_views_equal_to_their_text(kb: KnowledgeBase) -> None:
    article = kb.article(SEED.name)
    for p in article.paragraphs:
        plain = Paragraph(p.number, p.kind, p.text, p.start)
        assert p == plain and hash(p) == hash(plain) and repr(p) == repr(plain)
        assert article.text[p.start : p.start + len(p.text)] == p.text
    assert dataclasses.replace(article) == article
    other = Paragraph(1, Kind.BODY, "x", 0)
    assert other != Paragraph(1, Kind.BODY, "y", 0) and other.text == "x"


def test_counts_and_ranges_by_article(repeated: KnowledgeBase) -> None:
    counts = repeated.sentences.counts()
    assert sum(counts.values()) == len(repeated.sentences)
    for source, count in counts.items():
        ids = repeated.sentences.ids_of(source)
        assert len(ids) == count
        assert all(repeated.sentences[i].source == source for i in ids)
    assert repeated.sentences.ids_of("no such file") == range(0)


def test_reload_reuses_unchanged_articles(tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a.md").write_text("# Title\n\nOne sentence here. Another one there.\n")
    (folder / "b.md").write_text("# Other\n\nSomething else entirely.\n")
    before, _ = load_articles(folder)
    (folder / "b.md").write_text("# Other\n\nSomething changed.\n")
    after, _ = load_articles(folder, known={a.source: a for a in before})
    assert after[0] is before[0] and after[1] is not before[1]
    assert after[1].paragraphs[-1].text == "Something changed."


def test_terms_held_are_each_sentences_terms_among_those_asked(repeated: KnowledgeBase) -> None:
    """The postings say which of a question's terms each candidate holds, as its terms do."""
    every = sorted({t for i in range(len(repeated)) for t in repeated.terms[i]})
    by_use = sorted(every, key=repeated.scorer.doc_freq)
    asked = [by_use[0], by_use[len(by_use) // 2], by_use[-1], by_use[-2], "nosuchterm", by_use[-1]]
    ids = [*range(len(repeated)), 0, len(repeated) - 1]  # every sentence, repeats and the last
    held = repeated.terms_held(ids, asked)
    assert held == [frozenset(repeated.terms[i]).intersection(asked) for i in ids]
    assert any(held) and not all(held)
    assert repeated.terms_held([], asked) == []
    assert repeated.terms_held([3, 1], []) == [frozenset(), frozenset()]


def test_terms_held_for_more_terms_than_a_mask_holds(repeated: KnowledgeBase) -> None:
    every = sorted({t for i in range(len(repeated)) for t in repeated.terms[i]})
    asked = every[::max(1, len(every) // 100)]
    assert len(asked) > 62
    ids = list(range(0, len(repeated), 3))
    assert repeated.terms_held(ids, asked) == [
        frozenset(repeated.terms[i]).intersection(asked) for i in ids
    ]


def test_scorer_holding_is_membership_in_postings(repeated: KnowledgeBase) -> None:
    scorer = repeated.scorer
    ids = np.arange(len(repeated), dtype=np.int64)
    for term in ("china", "nosuchterm", repeated.terms[len(repeated) - 1][0]):
        expected = np.isin(ids, scorer.docs_with(term))
        assert np.array_equal(scorer.holding(term, ids), expected)
    assert scorer.holding("china", np.zeros(0, dtype=np.int64)).shape == (0,)



def test_common_terms_counts_are_worked_out_while_building(repeated: KnowledgeBase) -> None:
    """The terms in more sentences than there are articles have their per-article counts from
    the build, equal to counting each article's sentences."""
    common = repeated.common_counts
    frequent = repeated.scorer.terms_in_at_least(len(repeated.articles) + 1)
    assert common and set(common) == set(frequent)
    for term in [*list(common)[:5], "nosuchterm", min(common, key=repeated.scorer.doc_freq)]:
        expected = [
            sum(term in repeated.terms[i] for i in repeated.sentences.ids_of(article.source))
            for article in repeated.articles
        ]
        assert repeated.article_counts(term).tolist() == expected, term
    assert all(repeated.scorer.doc_freq(t) > len(repeated.articles) for t in common)
    assert len(common) < len(repeated.scorer.terms_in_at_least(1))


@pytest.mark.parametrize("compiled", [True, False])
def test_sentence_rows_hold_each_sentences_terms_in_order(
    repeated: KnowledgeBase, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which of some terms each sentence holds, and which pairs of them side by side (a term,
    then the next), from the rows: as its terms say, compiled or not."""
    if not compiled:
        monkeypatch.setattr(sentence_rows, "_compiled", None)
    elif sentence_rows._compiled is None:
        pytest.skip("knowledge._rows is not built")
    kb, scorer = repeated, repeated.scorer
    assert kb.rows is not None and len(kb.rows) == len(kb)
    every = sorted({t for i in range(len(kb)) for t in kb.terms[i]}, key=scorer.doc_freq)
    wanted = [every[-1], every[len(every) // 2], "nosuchterm", every[0], every[-2], every[-3]]
    pairs = [(a, b) for i in (0, 5, len(kb) - 1) for a, b in pairwise(kb.terms[i])][:6]
    pairs += [(every[-1], every[-2]), (every[-2], every[-1])]
    ids = [*range(len(kb)), 0, len(kb) - 1]  # every sentence, a repeat and the last
    rows = [(scorer.row(a), scorer.row(b)) for a, b in pairs]
    masks, together = kb.rows.held(np.array(ids), [scorer.row(t) for t in wanted], rows)
    for i, mask, count in zip(ids, masks.tolist(), together.tolist(), strict=True):
        terms = kb.terms[i]
        assert mask == sum(1 << k for k, t in enumerate(wanted) if t in terms), i
        assert count == len(set(pairs).intersection(pairwise(terms))), i
    assert masks.any() and together.any() and not together.all()
    empty = kb.rows.held(np.zeros(0, dtype=np.int64), [scorer.row(every[0])])
    assert [len(found) for found in empty] == [0, 0]


def test_leaning_sentences_many_at_once(repeated: KnowledgeBase) -> None:
    ids = np.array([*range(len(repeated)), 3, 0])
    assert repeated.cues.leaning(ids).tolist() == [repeated.cues.leans(i) for i in ids.tolist()]
    assert repeated.cues.leaning(ids).any()


def test_article_days_and_ages_are_each_articles(timeline_kb: KnowledgeBase) -> None:
    from knowledge.answers import _age

    kb = timeline_kb
    assert kb.article_days == tuple(kb.day(a.source) for a in kb.articles)
    assert kb.article_ages.tolist() == [_age(kb, kb.day(a.source)) for a in kb.articles]
    assert len(set(kb.article_days)) > 1 and kb.article_ages.max() > 0
