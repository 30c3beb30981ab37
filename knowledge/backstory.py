"""Whether a sentence tells of a time well before its article's: the backstory, not the news.

News writing recalls how things got here ("Negotiators met again in London, Stockholm and, in
September, Madrid…", "On October 9 Beijing announced…"). Such a sentence matches a question about
those events as well as the article that reported them did, but it is not what the article
reports: a question of now, or of how things turned out, wants the news.
"""

from __future__ import annotations

import datetime as dt

from knowledge.cues import MONTH_NAMES, months_named
from knowledge.dates import days_stated, may_name_a_time

# How long before its article's date a stated day is backstory: a report of a week's events
# ("on Friday", "on November 1" in a report of the 6th) is the news itself.
RECENT = dt.timedelta(days=14)


def tells_backstory(text: str, day: dt.date | None, before: dt.date | None = None) -> bool:
    """Whether a sentence of an article of ``day`` states a day, or names a month of that year,
    ending before ``before`` (by default ``RECENT`` before ``day``; undated articles: never).
    How things turned out after an event is told by what came after its day: ``before`` is then
    that day, and a sentence telling the event again ("the ceasefire agreed on December 1") is
    its backstory, one of what followed ("on February 24, …") is not."""
    if day is None or not may_name_a_time(text):
        return False
    before = day - RECENT if before is None else before
    if any(stated < before for stated in days_stated(text, day)):
        return True
    for name in months_named(text):
        month = MONTH_NAMES.index(name) + 1
        if month < day.month and _month_end(day.year, month) < before:
            return True  # a month later in the year than the article's is ahead, or ambiguous
    return False


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)
