"""Summaries: few sentences, article order, cited, no repeats, no dangling "This…"."""

from __future__ import annotations

import pytest

from knowledge.summaries import Length, summarize


@pytest.mark.parametrize("length", list(Length))
def test_summary_is_in_article_order_without_repeats(kb, length):
    summary = summarize(kb, length)
    ids = [q.sentence.id for q in summary.quotes]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert all(not kb.cues[i].leans for i in ids)
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
