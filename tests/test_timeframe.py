"""The time a question asks about, read from its words and the articles' dates."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.timeframe import When, time_asked

DATES = [dt.date(2025, 4, 25), dt.date(2025, 5, 12), dt.date(2025, 11, 6)]


def geneva(words: str) -> dt.date | None:
    return dt.date(2025, 5, 12) if words.lower().startswith("geneva") else None


@pytest.mark.parametrize(
    ("question", "when"),
    [
        ("is China negotiating?", When.PRESENT),
        ("what is the tariff now", When.NOW),
        ("are they still fighting over tariffs", When.NOW),
        ("latest on the trade war?", When.NOW),
        ("did the US end up cutting tariffs?", When.LATER),
        ("was the truce eventualy extended?", When.LATER),
        ("did the new rules take effect?", When.LATER),
        ("when does that take effect", When.ANY),  # the date asked, not whether it did
        ("when did they eventually meet?", When.LATER),
        ("Did analysts think China could ultimately endure the trade war?", When.ANY),
        ("what did Guo Jiakun say", When.ANY),
        ("China may cut tariffs", When.ANY),  # "may" the verb
    ],
)
def test_kinds_of_time(question, when):
    assert time_asked(question, DATES, geneva).when is when


def test_time_words_are_not_what_is_searched():
    assert "still" not in time_asked("are they still fighting", DATES).rest
    assert "end up" not in time_asked("did they end up cutting tariffs", DATES).rest


def test_a_month_without_a_year_is_the_one_the_articles_reach():
    april = time_asked("what happened in April?", DATES)
    assert (april.when, april.start, april.end, april.month) == (
        When.PERIOD, dt.date(2025, 4, 1), dt.date(2025, 4, 30), 4)
    assert april.admits(dt.date(2025, 4, 25)) and not april.admits(dt.date(2025, 5, 12))
    assert not april.admits(None)
    assert time_asked("what was said in may", DATES).label == "May 2025"
    assert time_asked("what happened in the summer", DATES).label == "summer 2025"


def test_before_and_after_a_named_event():
    after = time_asked("what did China do after Geneva", DATES, geneva)
    assert after.start == dt.date(2025, 5, 12) and after.end is None  # its own article: the outcome
    assert "Geneva" not in after.rest  # the event's own words would pull its own article in
    before = time_asked("before the Geneva talks, what was the tariff", DATES, geneva)
    assert before.start is None and before.end == dt.date(2025, 5, 12)
    # no event of that name: not a period
    assert time_asked("what did they want before talks start", DATES, geneva).when is not When.PERIOD


def test_by_a_month_is_up_to_its_end_before_a_month_up_to_its_start():
    by = time_asked("by sept 2025 how much trade was under tariffs", DATES)
    assert (by.start, by.end, by.label) == (None, dt.date(2025, 9, 30), "by September 2025")
    before = time_asked("what was the tariff before September 2025", DATES)
    assert before.end == dt.date(2025, 8, 31)


def test_parts_of_a_month():
    early = time_asked("what did china do in early october", DATES)
    assert (early.start, early.end) == (dt.date(2025, 10, 1), dt.date(2025, 10, 14))
    late = time_asked("what was said in late April", DATES)
    assert (late.start, late.end) == (dt.date(2025, 4, 15), dt.date(2025, 4, 30))
    end = time_asked("at the end of May, what happened", DATES)
    assert end.start == dt.date(2025, 5, 15) and end.end == dt.date(2025, 5, 31)


def test_an_opinion_elsewhere_in_the_question_does_not_hide_hindsight():
    question = "so trump said there was no point... did the two of them end up meeting anyway"
    assert time_asked(question, DATES).when is When.LATER


def test_lowercase_may_after_a_time_word_is_the_month():
    """"end of may", "early may": the verb "may" never follows a preposition."""
    dates = [dt.date(2025, 4, 11), dt.date(2025, 6, 11)]
    for question, first in (("end of may, what went wrong", 15), ("what happened early may", 1)):
        time = time_asked(question, dates)
        assert time.when is When.PERIOD and time.start == dt.date(2025, 5, first)
    assert time_asked("china may raise tariffs", dates).when is not When.PERIOD


def test_a_month_named_before_end_up_dates_the_event_and_after_it_the_outcome():
    asked = time_asked("china said it would ignore more tariffs in april, did it end up cutting?",
                       DATES)
    # the event's period; its day is the best-matching article of April (answers._with_event_day)
    assert asked.when is When.LATER
    assert (asked.start, asked.end) == (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert "april" not in asked.rest.lower() and "end up" not in asked.rest
    outcome = time_asked("did trump end up extending the truce in may or let it lapse", DATES)
    assert outcome.when is When.PERIOD and outcome.start == dt.date(2025, 5, 1)


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("how did China's tariffs change from April to Nov?", (2025, 4, 1), (2025, 11, 30)),
        ("how has the burden evolved from its April peak to November?", (2025, 4, 1), (2025, 11, 30)),
        ("trace the fentanyl tariff across 2025", (2025, 1, 1), (2025, 12, 31)),
        ("how did the posture shift between late April and the autumn?", (2025, 4, 15), None),
        ("how have the export controls changed over the year?", None, None),
    ],
)
def test_a_change_over_time_and_the_period_it_spans(question, start, end):
    asked = time_asked(question, DATES)
    assert asked.change
    assert asked.start == (dt.date(*start) if start else None)
    assert asked.end == (dt.date(*end) if end else None)
    for word in ("change", "evolved", "trace", "shift", "over the year", "across"):
        assert word not in asked.rest.lower()


@pytest.mark.parametrize(
    "question",
    ["did china change its tariff?", "what changes did the commission announce?", "what happened"],
)
def test_not_a_change_over_time(question):
    assert not time_asked(question, DATES).change


def test_a_range_of_months_is_a_period_without_a_change_asked():
    asked = time_asked("what happened between May and August?", DATES)
    assert (asked.when, asked.start, asked.end, asked.change) == (
        When.PERIOD, dt.date(2025, 5, 1), dt.date(2025, 8, 31), False)


def test_a_change_period_is_read_from_its_own_words_only():
    # "from China" is no start of the period; "from April to June" is
    exports = time_asked("how have exports from China changed from April to June?", DATES)
    assert (exports.start, exports.end) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    said = time_asked("how has the message from Beijing changed in April?", DATES)
    assert (said.start, said.end) == (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    # months named in passing, in the order of the year; "Mar-a-Lago" names no month
    months = time_asked("how did the tariffs change in November compared with April", DATES)
    assert (months.start, months.end) == (dt.date(2025, 4, 1), dt.date(2025, 11, 30))
    lago = time_asked("how has it changed since the Mar-a-Lago talks in June?", DATES)
    assert lago.start == dt.date(2025, 6, 1) and "Lago" in lago.rest


@pytest.mark.parametrize(
    "question",
    ["how does the Busan deal change the fentanyl tariff?", "how did China develop its controls?"],
)
def test_what_something_does_or_makes_is_no_change_over_time(question):
    assert not time_asked(question, DATES).change

