"""Summaries: few sentences, article order, cited, no repeats, no dangling "This…"."""

from __future__ import annotations

import pytest

from knowledge.summaries import Length, summarize


@pytest.mark.parametrize("length", list(Length))
def test_summary_is_in_article_order_without_repeats(kb, length):
    summary = summarize(kb, length)
    ids = [q.sentence.id for q in summary.quotes]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert all(not kb.cues.leans(i) for i in ids)
    assert all(q.text == q.sentence.text for q in summary.quotes)


def test_long_is_longer_than_short_and_covers_the_denial(kb):
    short, long = summarize(kb, Length.SHORT), summarize(kb, Length.LONG)
    assert len(short.quotes) == 3 < len(long.quotes)
    assert any("rejecting" in q.text or "denies" in q.text for q in short.quotes)


def test_summary_of_one_source_and_unknown_source(kb):
    source = kb.articles[0].source
    assert {q.sentence.source for q in summarize(kb, source=source).quotes} == {source}
    with pytest.raises(KeyError):
        summarize(kb, source="nope.txt")


def test_one_sentence_per_paragraph_and_one_lead_line(kb):
    for length in Length:
        quotes = summarize(kb, length).quotes
        paragraphs = [(q.sentence.source, q.sentence.paragraph) for q in quotes]
        assert len(paragraphs) == len(set(paragraphs))
        assert sum(q.sentence.kind.value in ("summary", "subtitle") for q in quotes) <= 1


def test_summary_of_a_long_article_picks_from_all_of_it(seeds_dir, config_for):
    """Thousands of one-sentence paragraphs (linear centrality keeps this quick)."""
    from knowledge.index import load_knowledge_base

    lines = [f"Officials met on day {n} to discuss tariffs on {n} goods.\n" for n in range(3000)]
    (seeds_dir / "big.txt").write_text("".join(lines))
    kb = load_knowledge_base(config_for(seeds_dir))
    summary = summarize(kb, Length.LONG)
    assert len(summary.quotes) == 7
    assert len({q.sentence.paragraph for q in summary.quotes}) == 7
