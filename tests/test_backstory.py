"""The backstory of an article: sentences telling of a time well before its date."""

from __future__ import annotations

import datetime as dt

from knowledge.backstory import tells_backstory

OCT_26 = dt.date(2025, 10, 26)


def test_a_day_or_month_well_before_the_article_is_backstory():
    assert tells_backstory("On October 9 Beijing announced sweeping new controls.", OCT_26)
    assert tells_backstory("Negotiators met again in London and, in September, Madrid.", OCT_26)


def test_the_news_itself_is_not():
    assert not tells_backstory("The talks opened on Saturday, October 25.", OCT_26)
    assert not tells_backstory("The truce will run until November 10, 2026.", OCT_26)
    assert not tells_backstory("Bessent said the threat had gone away.", OCT_26)
    assert not tells_backstory("On October 9 Beijing announced controls.", None)
