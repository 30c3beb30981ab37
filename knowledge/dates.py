"""When an article was written, and the dates its text names.

Every answer about a dispute that moves needs to know which article is newer. The date comes from
the article's metadata (front matter or sidecar) when it has one; otherwise it is inferred from
the text: a dateline ("GENEVA, May 12 (Wire) —") or, failing that, the latest full date the
article states that is not a deadline ahead ("until November 10, 2026"). An inferred date is
marked as such wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta, weekdays

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ),
        1,
    )
    for name in names
}
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" \
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_YEAR = r"(?:19|20)\d\d"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
# "April 25, 2025", "Sept. 15 2025", "25 April 2025", "2025-04-25"
FULL_DATE = re.compile(
    rf"\b(?P<m1>{_MONTH})\.?\s+(?P<d1>{_DAY}),?\s+(?P<y1>{_YEAR})\b"
    rf"|\b(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})\.?,?\s+(?P<y2>{_YEAR})\b"
    rf"|\b(?P<iso>{_YEAR}-[01]\d-[0-3]\d)\b"
)
# "WASHINGTON, April 11, 2025 —", "MADRID, Sept 15 (Fixture Wire) —", "BEIJING, Nov 6 —"
_DATELINE = re.compile(
    rf"^[A-Z][A-Z .'’/-]+,\s+(?P<month>{_MONTH})\.?\s+(?P<day>{_DAY})(?:,?\s+(?P<year>{_YEAR}))?\b"
)


def opens_with_dateline(text: str) -> bool:
    """Whether a paragraph opens with a dateline ("BEIJING, Nov 6 —"): a news lead, whatever
    the layout made of it (a subtitle, when it follows the headline)."""
    return bool(_DATELINE.match(text.lstrip()))


# A date that something runs until is ahead of the article, not when it was written.
_AHEAD = re.compile(
    r"\b(?:until|till|through|to|by|before|expires?|expiring|deadline|from|effective|starting|"
    r"beginning|next|scheduled for|due)\W+(?:on\s+)?$",
    re.IGNORECASE,
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DateOrigin(StrEnum):
    PUBLISHED = "published"  # the article's metadata says so
    DATELINE = "dateline"  # inferred from "CITY, Month Day —"
    TEXT = "text"  # inferred: the latest full date the article states


@dataclass(frozen=True, slots=True)
class ArticleDate:
    day: dt.date
    origin: DateOrigin

    @property
    def inferred(self) -> bool:
        return self.origin is not DateOrigin.PUBLISHED

    def label(self) -> str:
        """As a reader wants it: "12 May 2025", with "date inferred" when no metadata gave it."""
        text = format_day(self.day)
        return f"{text}, date inferred" if self.inferred else text


def format_day(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


def parse_published(value: str | None) -> dt.date | None:
    """A metadata date in any usual form ("2025-05-12", "May 12, 2025", an ISO timestamp)."""
    if not value:
        return None
    try:
        return date_parser.parse(value, default=dt.datetime(1900, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def full_dates(text: str) -> Iterable[tuple[re.Match[str], dt.date]]:
    """Every full date (day, month and year) the text names, with where it is."""
    for match in FULL_DATE.finditer(text):
        day = _match_date(match)
        if day is not None:
            yield match, day


def _match_date(match: re.Match[str]) -> dt.date | None:
    if match["iso"]:
        try:
            return dt.date.fromisoformat(match["iso"])
        except ValueError:
            return None
    month = match["m1"] or match["m2"]
    day = match["d1"] or match["d2"]
    year = match["y1"] or match["y2"]
    return _safe_date(int(year), MONTHS[month.lower()], int(re.sub(r"\D", "", day)))


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def infer_date(published: str | None, body: Iterable[str]) -> ArticleDate | None:
    """The article's date: its metadata's, else its dateline's, else the latest full date it
    states that is not a deadline ahead. ``body`` is its paragraphs in order."""
    day = parse_published(published)
    if day is not None:
        return ArticleDate(day, DateOrigin.PUBLISHED)
    paragraphs = list(body)
    stated = [
        day
        for paragraph in paragraphs
        for match, day in full_dates(paragraph)
        if not _AHEAD.search(paragraph[max(0, match.start() - 25) : match.start()])
    ]
    for paragraph in paragraphs[:4]:
        dateline = _DATELINE.match(paragraph.lstrip())
        if dateline:
            year = int(dateline["year"]) if dateline["year"] else _year_of(stated)
            if year is not None:
                month = MONTHS[dateline["month"].lower()]
                found = _safe_date(year, month, int(re.sub(r"\D", "", dateline["day"])))
                if found is not None:
                    return ArticleDate(found, DateOrigin.DATELINE)
    if stated:
        return ArticleDate(max(stated), DateOrigin.TEXT)
    return None


def _year_of(stated: list[dt.date]) -> int | None:
    return max(stated).year if stated else None


def weekday_before(day: dt.date, weekday: str) -> dt.date:
    """"On Monday" in an article of ``day``: the latest such weekday on or before it."""
    return day + relativedelta(weekday=weekdays[_WEEKDAYS.index(weekday.lower())](-1))


_WEEKDAY = re.compile(r"\b(?:on|late on|early on|last|since|by)\s+(Monday|Tuesday|Wednesday|Thursday|"
                      r"Friday|Saturday|Sunday)\b")


def weekdays_named(text: str, day: dt.date) -> tuple[tuple[str, dt.date], ...]:
    """"on Monday" in an article of ``day``: each weekday the text names, with its date."""
    found = dict.fromkeys(m[1] for m in _WEEKDAY.finditer(text))
    return tuple((name, weekday_before(day, name)) for name in found)


# A month and day ahead of the article by more than this is of the year before.
HALF_A_YEAR = dt.timedelta(days=183)
_MONTH_DAY = re.compile(rf"\b(?P<month>{_MONTH})\.?\s+(?P<day>{_DAY})\b(?!,?\s+{_YEAR})")
# What every pattern above needs (a month's name or its abbreviation, a weekday's name, an ISO
# date), with no case folded: a text without any states no day and names no month.
_TIME_WORD = re.compile(
    r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday"
    r"|Saturday|Sunday|\d-[01]\d-"
)


def may_name_a_time(text: str) -> bool:
    """False for a text that states no day and names no month (``days_stated``,
    ``cues.months_named``): most sentences, told apart with one quick look."""
    return _TIME_WORD.search(text) is not None


def days_stated(text: str, day: dt.date | None) -> set[dt.date]:
    """The days a sentence of an article of ``day`` speaks of: full dates, "June 5" (the nearer
    of the article's year and the year before: "until November 10" in August is a deadline
    ahead, "on December 1" in February the dinner behind), "on Thursday". A report published on
    the 11th of the call "on June 5" speaks of the 5th."""
    found = {d for _, d in full_dates(text)}
    if day is not None:
        for match in _MONTH_DAY.finditer(text):
            month, number = MONTHS[match["month"].lower()], int(re.sub(r"\D", "", match["day"]))
            stated = _safe_date(day.year, month, number)
            if stated is not None and stated > day + HALF_A_YEAR:
                stated = _safe_date(day.year - 1, month, number)
            if stated is not None:
                found.add(stated)
        found.update(d for _, d in weekdays_named(text, day))
    return found
