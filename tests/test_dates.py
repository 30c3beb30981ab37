"""Article dates: from the metadata, else the dateline, else the latest full date stated."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.cues import months_named
from knowledge.dates import (
    DateOrigin,
    days_stated,
    infer_date,
    may_name_a_time,
    parse_published,
    weekday_before,
)
from knowledge.ingest import parse_article


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025-05-12", dt.date(2025, 5, 12)), ("May 12, 2025", dt.date(2025, 5, 12)),
     ("12 May 2025", dt.date(2025, 5, 12)), ("2025-05-12T08:30:00Z", dt.date(2025, 5, 12)),
     ("soon", None), ("", None), (None, None)],
)
def test_published_in_any_usual_form(value, expected):
    assert parse_published(value) == expected


def test_metadata_wins_and_is_not_inferred():
    found = infer_date("2025-06-11", ["WASHINGTON, April 11, 2025 — text."])
    assert found is not None and found.day == dt.date(2025, 6, 11) and not found.inferred
    assert found.label() == "11 Jun 2025"


def test_dateline_without_a_year_takes_the_year_the_article_states():
    found = infer_date(None, ["MADRID, Sept 15 (Fixture Wire) — Talks ended.",
                              "The deadline was September 17, 2025."])
    assert found is not None and found.day == dt.date(2025, 9, 15)
    assert found.origin is DateOrigin.DATELINE and found.label() == "15 Sep 2025, date inferred"


def test_latest_stated_date_that_is_not_a_deadline_ahead():
    found = infer_date(None, ["On April 25, 2025, the ministry said no talks were held.",
                              "The pause runs until November 10, 2026."])
    assert found is not None and found.day == dt.date(2025, 4, 25)
    assert found.origin is DateOrigin.TEXT
    assert infer_date(None, ["No date at all here."]) is None


def test_weekday_before_resolves_on_monday_against_the_article():
    assert weekday_before(dt.date(2025, 5, 12), "Monday") == dt.date(2025, 5, 12)
    assert weekday_before(dt.date(2025, 5, 12), "friday") == dt.date(2025, 5, 9)


def test_parsed_articles_carry_their_date():
    sidecar = {"published": "2025-10-30", "title": "Busan"}
    article = parse_article("a.md", b"# Busan\n\nLeaders met on October 29, 2025.\n", sidecar)
    assert article.date is not None and article.date.day == dt.date(2025, 10, 30)
    undated = parse_article("b.txt", b"BEIJING, Nov 6 \xe2\x80\x94 China will keep a 10% tariff."
                                      b"\nIt was announced on November 5, 2025.\n")
    assert undated.date is not None and undated.date.day == dt.date(2025, 11, 6)
    assert undated.date.inferred


def test_the_timeline_fixtures_are_dated_from_metadata_datelines_and_text(timeline_kb):
    dates = {a.source: a.date for a in timeline_kb.articles}
    assert all(d is not None for d in dates.values())
    assert dates["020_geneva_truce.md"].origin is DateOrigin.PUBLISHED
    assert dates["050_madrid_tiktok.txt"].origin is DateOrigin.DATELINE
    assert dates["000_24966dab544a0349.txt"].origin is DateOrigin.TEXT
    assert [a.source for a in timeline_kb.newest_first()][:2] == [
        "090_november_implementation.md", "080_busan_summit.md"]


def test_weekdays_a_text_names_are_dated_against_its_article():
    from knowledge.dates import weekdays_named

    text = "Talks ended on Sunday; late on Tuesday the order followed. Monday was quiet."
    assert weekdays_named(text, dt.date(2025, 10, 28)) == (
        ("Sunday", dt.date(2025, 10, 26)), ("Tuesday", dt.date(2025, 10, 28)))


def test_days_stated_in_a_sentence_are_resolved_against_its_article():
    import datetime as dt

    from knowledge.dates import days_stated

    day = dt.date(2025, 6, 11)
    assert days_stated("the consensus from the leaders' June 5 phone call", day) == {
        dt.date(2025, 6, 5)
    }
    assert days_stated("talks that began on Monday in London", day) == {dt.date(2025, 6, 9)}
    assert days_stated("the truce expires on November 10, 2025", day) == {dt.date(2025, 11, 10)}
    # "December 20" in a January article is the December before it, not the one ahead
    assert days_stated("on December 20 the talks broke off", dt.date(2026, 1, 3)) == {
        dt.date(2025, 12, 20)
    }
    # a deadline a few months ahead is this year's: "until November 10" in an August report
    assert days_stated("duties postponed until November 10", dt.date(2025, 8, 12)) == {
        dt.date(2025, 11, 10)
    }
    assert days_stated("no day here", None) == set()


def test_a_text_without_a_time_word_states_no_day_and_names_no_month(timeline_kb, kb):
    """``may_name_a_time`` tells apart at one look the sentences that cannot state a day or name
    a month (what ``backstory`` asks of every candidate): on every sentence of the articles, and
    on texts of each kind of date."""
    texts = [*timeline_kb.sentences.texts(), *kb.sentences.texts()]
    texts += ["On Monday the talks resumed.", "It ran until 2025-11-10.", "Sept. 15 2025, Madrid",
              "In April, tariffs rose.", "the may talks", "no date at all"]
    day = dt.date(2025, 11, 6)
    for text in texts:
        if not may_name_a_time(text):
            assert not days_stated(text, day) and not months_named(text), text
    assert sum(map(may_name_a_time, texts)) < len(texts) / 2  # most sentences: one look
    assert not may_name_a_time("the may talks") and may_name_a_time("It ran until 2025-11-10.")
