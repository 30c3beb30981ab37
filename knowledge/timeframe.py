"""The time a question asks about: now, how things turned out, a named period, or any time.

The knowledge base is many dated articles that may contradict each other: "is China negotiating?"
wants the newest article that answers it, "what happened in April?" the articles of April,
"did they end up cutting tariffs?" the later ones. This module only reads the question and the
articles' dates; ranking by it happens in ``answers``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from knowledge.cues import MONTH_NAMES
from knowledge.dates import MONTHS, format_day


class When(StrEnum):
    ANY = "any"  # no time asked: the best answer, whatever its date
    NOW = "now"  # the present, said outright ("still", "currently", "latest")
    PRESENT = "present"  # present tense only ("is China negotiating?"): newest among near-ties
    LATER = "later"  # how things turned out ("did they end up…", "eventually")
    PERIOD = "period"  # a named time ("in April", "after Geneva", "before the London talks")


@dataclass(frozen=True, slots=True)
class TimeAsked:
    when: When = When.ANY
    # PERIOD bounds, inclusive; None is open. LATER: the event's day once known (``start``), or
    # the period the question dates the event to ("announced in May, did it…"), until then
    start: dt.date | None = None
    end: dt.date | None = None
    label: str = ""  # the period in words, for a reply: "April 2025", "after 12 May 2025"
    month: int | None = None  # a month the question names: sentences naming it belong to it
    # the question with an event named only as a time ("after Geneva") taken out: the event's own
    # words would otherwise pull in the very article the question wants to look past
    rest: str = ""
    phrase: str = ""  # the words that name the time ("in April", "after Geneva"), if any
    # a change over time ("how has the tariff changed since Geneva?", "trace the evolution
    # of…"): answered stage by stage, oldest first, within the period if one is named
    change: bool = False

    def admits(self, day: dt.date | None) -> bool:
        """Whether an article of ``day`` is of the period asked about (undated: never)."""
        if self.when is not When.PERIOD:
            return True
        return day is not None and self.bounds(day)

    def bounds(self, day: dt.date) -> bool:
        """Whether ``day`` falls within ``start`` and ``end`` (None: open), whatever is asked."""
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


_NOW = re.compile(
    r"\b(?:now|right now|rn|rite now|currently|current|still|latest|newest|most recent|so far|"
    r"to date|as of (?:now|today|yet)|today|these days|at the moment|atm|at present|presently|"
    r"nowadays|anymore|any more|yet|where (?:do|does|did) (?:things|it|this|that|we|they) stand|"
    r"state of play|status|up to date|lately|recently)\b",
    re.IGNORECASE,
)
# "is China negotiating?", "what's the tariff", "are they talking": the present tense.
_PRESENT = re.compile(
    r"^(?:\W*(?:so|and|but|ok|okay|wait|hey|yo|lol|ngl|tbh)\W+)*(?:is|are|does|do|has|have|can|"
    r"will|isn'?t|aren'?t|doesn'?t|don'?t|hasn'?t|haven'?t)\b"
    r"|\b(?:what|who|where|how|which)(?:'s|s| is| are| does| do| has| have)\b",
    re.IGNORECASE,
)
_LATER = re.compile(
    r"\b(?:did|was|were|has|have|had|does|do|is|are)\b.*?\b(?:eventual\w*|later on|later in|"
    r"end(?:ed)? up|afterwards?|after (?:this|that|all this)|since then|in the end|ultimately|"
    r"subsequently|ever|follow(?:ed)? through|went ahead|go ahead|come into effect|take effect|"
    r"took effect|happen(?:ed)?|materiali[sz]ed?)\b",
    re.IGNORECASE,
)
_LATER_WORDS = re.compile(
    r"\b(?:eventual\w*|later on|end(?:ed)? up|afterwards?|since then|in the end|ultimately|"
    r"subsequently|ever|follow(?:ed)? through|went ahead|go ahead)\b",
    re.IGNORECASE,
)
_ASKS_WHEN = re.compile(r"\W*(?:so|and|but|ok)?\W*when\b", re.IGNORECASE)
# "Did analysts think China could ultimately endure…": what someone thought, not what happened.
_OPINION = re.compile(
    r"\b(?:think|thinks|thought|expect\w*|predict\w*|believ\w*|say|says|said|suggest\w*|feel\w*|"
    r"hope\w*|fear\w*)\b",
    re.IGNORECASE,
)
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_IN_MONTH = re.compile(
    rf"\b(?P<how>in|during|by|through|since|after|before|until|till|from|back in|early|late|mid|"
    rf"prior to|ahead of|following|at the (?:start|end|beginning) of|end of|start of)[- ]?\s*"
    rf"(?P<month>{_MONTH_WORDS})\b\.?(?:\s+(?P<year>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
# Days of a month that "early", "mid" and "late" name; they overlap, as people use them.
_PART_OF_MONTH = {
    "early": (1, 14), "start of": (1, 14), "beginning of": (1, 14), "mid": (8, 23),
    "late": (15, 31), "end of": (15, 31),
}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
_IN_SEASON = re.compile(
    r"\b(?:in|during|over|this|last)\s+(?:the\s+)?(?P<season>spring|summer|autumn|fall)\b",
    re.IGNORECASE,
)
# "after Geneva", "before the London talks", "since the Busan summit"
_AROUND_EVENT = re.compile(
    r"\b(?P<how>after|since|before|prior to|following|ahead of|until)\s+(?:the\s+|their\s+)?"
    r"(?P<event>(?!the\b|that\b|this\b|then\b|it\b|they\b|we\b)[A-Za-z][\w'’.-]*"
    r"(?:\s+(?:talks|meeting|summit|deal|agreement|truce|call|round|framework|"
    r"consensus|statement|announcement|threat|controls?|escalation))?)",
    re.IGNORECASE,
)
_BEFORE = {"before", "prior to", "ahead of", "until", "till", "by"}
# "from April to November", "between late April and October": both months and what lies between
_RANGE = re.compile(
    rf"\b(?:from|between)\s+(?:(?P<part1>early|late|mid)[- ]?\s*)?(?P<month1>{_MONTH_WORDS})\b\.?"
    rf"(?:\s+(?P<year1>(?:19|20)\d\d))?\s+(?:to|and|until|till|through)\s+"
    rf"(?:(?P<part2>early|late|mid)[- ]?\s*)?(?P<month2>{_MONTH_WORDS})\b\.?"
    rf"(?:\s+(?P<year2>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
# A question about a change over time, and the words that only say so (not what changed).
_CHANGING = r"chang(?:e|ed)|evolv(?:e|ed)|shift(?:ed)?"
_OVER_TIME = (
    r"trace|evolution|trajectory|over\s+(?:time|the\s+(?:course(?:\s+of)?|year|past\s+year|"
    r"months))|(?:timeline|history)\s+of"
)
_CHANGE = re.compile(
    # "how has/did X change…"; not "how does the deal change the tariff?" (what it does)
    rf"\bhow\s+(?:has|have|had|did)\b[^?]*?\b(?:{_CHANGING})\b|"
    rf"\bwhat(?:'s|s| has| have)?\s+changed\b|\b(?:{_OVER_TIME})\b",
    re.IGNORECASE,
)
_CHANGE_WORDS = re.compile(rf"\b(?:{_CHANGING}|{_OVER_TIME}|across)\b", re.IGNORECASE)
# A year named as a time ("in 2023", "across 2025", "by 2026"), not as a number in a name.
IN_A_YEAR = re.compile(
    r"\b(?:across|in|during|throughout|through|over|of|by)\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# right before a period's words: "between late April and the autumn" (not "exports from China…")
_FROM = re.compile(r"\b(?:between|from)$", re.IGNORECASE)

# When an event a question names ("Geneva") happened, or None: given by the knowledge base.
EventDater = Callable[[str], dt.date | None]


def time_asked(
    question: str,
    dates: Sequence[dt.date],
    event_date: EventDater | None = None,
) -> TimeAsked:
    """Read the time a question asks about. ``dates`` are the articles' dates; ``event_date``
    finds when a named event ("Geneva") happened, from the articles that name it in their lead."""
    if _CHANGE.search(question):
        asked = (_range(question, dates) or _months_spanned(question, dates)
                 or _period(question, dates, event_date) or _year(question))
        if asked is None or asked.when is not When.PERIOD:
            asked = TimeAsked(rest=question)
        elif asked.phrase and _FROM.search(question[: question.find(asked.phrase)].rstrip()):
            # "between late April and the autumn": from that time on
            asked = dataclasses.replace(asked, end=None, label=f"since {asked.label}", month=None)
        rest = " ".join(_CHANGE_WORDS.sub(" ", asked.rest).split())
        return dataclasses.replace(asked, change=True, rest=rest)
    period = _range(question, dates) or _period(question, dates, event_date)
    later = _LATER.search(question)
    if later and _OPINION.search(later[0]):  # "did analysts think it would end up…"
        later = None
    if later and _ASKS_WHEN.match(question) and not _LATER_WORDS.search(question):
        later = None  # "when does that take effect?" asks the date, not whether it did
    if period is not None:
        turned = _LATER_WORDS.search(question) if later else None
        dated = question.find(period.phrase) if period.phrase else -1
        if turned and period.start is not None and period.end is not None and (
            -1 < dated < turned.start()
        ):
            # "china said it would ignore more tariffs in april, did it end up cutting its own?":
            # a month named before "end up" dates the event, and how it turned out came after it
            # ("did he end up extending it in august": after, it dates the outcome)
            return TimeAsked(When.LATER, start=period.start, end=period.end, label=period.label,
                             rest=_LATER_WORDS.sub(" ", period.rest), phrase=period.phrase)
        return period
    if later:
        return TimeAsked(When.LATER, rest=_LATER_WORDS.sub(" ", question))
    if _NOW.search(question):
        # "are they still fighting?": "still" says when, not what; a sentence that happens to
        # hold "still" is no better an answer
        return TimeAsked(When.NOW, rest=_NOW.sub(" ", question))
    if _PRESENT.search(question):
        return TimeAsked(When.PRESENT, rest=question)
    return TimeAsked(rest=question)


def _range(question: str, dates: Sequence[dt.date]) -> TimeAsked | None:
    """"from April to November": the period from the first month's start (or part) to the
    second's end, in the latest year the articles reach."""
    match = _RANGE.search(question)
    if match is None:
        return None
    first_month = MONTHS[match["month1"].lower()]
    last_month = MONTHS[match["month2"].lower()]
    last_year = int(match["year2"]) if match["year2"] else _year_for(last_month, dates)
    if last_year is None:
        return None
    first, last = _months_from_to(
        first_month, last_month, last_year, int(match["year1"]) if match["year1"] else None
    )
    if match["part1"]:
        first = first.replace(day=_PART_OF_MONTH[match["part1"].lower()][0])
    if match["part2"]:
        last = last.replace(day=min(_PART_OF_MONTH[match["part2"].lower()][1], last.day))
    if first > last:
        return None
    label = f"{format_day(first)} to {format_day(last)}"
    return TimeAsked(When.PERIOD, first, last, label, rest=_without(question, match[0]),
                     phrase=match[0])


# A month named in full, not joined to other words: not "Mar-a-Lago", not "the jan 6 fallout"
_MONTH_NAMED = re.compile(
    rf"(?<![\w-])(?P<month>{'|'.join(MONTH_NAMES)})(?![\w-])", re.IGNORECASE
)


def _year(question: str) -> TimeAsked | None:
    """"across 2025", "over the course of 2019": the whole year."""
    match = IN_A_YEAR.search(question)
    if match is None:
        return None
    year = int(match["year"])
    return TimeAsked(When.PERIOD, dt.date(year, 1, 1), dt.date(year, 12, 31), str(year),
                     rest=_without(question, match[0]), phrase=match[0])


def _months_from_to(
    first_month: int, last_month: int, last_year: int, first_year: int | None = None
) -> tuple[dt.date, dt.date]:
    """From the first month's first day to the last month's last: the first month is of the
    last one's year, or the year before when it comes later in the year ("from November to
    March")."""
    if first_year is None:
        first_year = last_year if first_month <= last_month else last_year - 1
    return dt.date(first_year, first_month, 1), _month_end(last_year, last_month)


def _months_spanned(question: str, dates: Sequence[dt.date]) -> TimeAsked | None:
    """A change told between two months the question names in passing ("from its April peak to
    the arrangements of November"): the period from the first to the last."""
    months = [
        MONTHS[m["month"].lower()] for m in _MONTH_NAMED.finditer(question)
        if m["month"].lower() != "may" or m["month"][0] == "M"
    ]
    if len(set(months)) < 2:
        return None
    # in the order of the year ("in November compared with April": April to November)
    first_month, last_month = min(months), max(months)
    last_year = _year_for(last_month, dates)
    if last_year is None:
        return None
    first, last = _months_from_to(first_month, last_month, last_year)
    rest = _MONTH_NAMED.sub(" ", question)
    return TimeAsked(When.PERIOD, first, last, f"{format_day(first)} to {format_day(last)}",
                     rest=" ".join(rest.split()))


def _period(question: str, dates: Sequence[dt.date], event_date: EventDater | None) -> TimeAsked | None:
    match = _IN_MONTH.search(question)
    if match:
        month = MONTHS[match["month"].lower()]
        if match["month"].lower() == "may" and not _month_context(question, match):
            match = None  # "may" the verb
        else:
            year = int(match["year"]) if match["year"] else _year_for(month, dates)
            if year is None:
                return None
            first = dt.date(year, month, 1)
            last = _month_end(year, month)
            how = match["how"].lower()
            label = f"{first.strftime('%B')} {year}"
            said = match[0]
            if how == "by":  # "by September 2018": as things stood at its end
                return TimeAsked(When.PERIOD, None, last, f"by {label}",
                                 rest=_without(question, said), phrase=said)
            if how in _BEFORE:
                return TimeAsked(When.PERIOD, None, first - dt.timedelta(days=1), f"before {label}",
                                 rest=_without(question, said), phrase=said)
            if how in {"after", "since", "following"}:
                start = last + dt.timedelta(days=1) if how == "after" else first
                return TimeAsked(When.PERIOD, start, None, f"since {label}",
                                 rest=_without(question, said), phrase=said)
            part = _PART_OF_MONTH.get(how.removeprefix("at the ").removeprefix("the "))
            if part:  # "early October", "late April", "at the end of May": that part of it
                first = first.replace(day=part[0])
                last = last.replace(day=min(part[1], last.day))
                label = f"{how} {label}"
            return TimeAsked(When.PERIOD, first, last, label, month=month,
                             rest=_without(question, said), phrase=said)
    season = _IN_SEASON.search(question)
    if season:
        first_month, last_month = _SEASONS[season["season"].lower()]
        year = _year_for(first_month, dates, last_month)
        if year is not None:
            return TimeAsked(When.PERIOD, dt.date(year, first_month, 1),
                             _month_end(year, last_month), f"{season['season']} {year}",
                             rest=_without(question, season[0]), phrase=season[0])
    if event_date is not None:
        for around in _AROUND_EVENT.finditer(question):
            day = event_date(around["event"])
            if day is None:
                continue
            how = around["how"].lower()
            rest = _without(question, around[0])
            if how in _BEFORE:  # the event's own article tells what led up to it
                return TimeAsked(When.PERIOD, None, day, f"up to {format_day(day)}", rest=rest,
                                 phrase=around[0])
            # from the event's own article on: it reports what the event settled ("the tariff
            # after the Geneva agreement"), later ones what followed
            return TimeAsked(When.PERIOD, day, None,
                             f"after {format_day(day)}", rest=rest, phrase=around[0])
    return None


def _month_context(question: str, match: re.Match[str]) -> bool:
    """"in May", "end of may", "early may" are the month: the verb "may" follows a subject, never
    a preposition ("China may…" is not matched at all). "the following may apply" is the verb
    after a noun: "following may" needs a capital."""
    return match["month"][0].isupper() or match["how"].lower() != "following"


def _year_for(month: int, dates: Sequence[dt.date], last_month: int | None = None) -> int | None:
    """A month named without a year is the latest one the articles reach: the newest year in
    which some article falls in it, else the newest article's year (or the one before, when that
    month is still ahead of it)."""
    last_month = last_month or month
    years = [d.year for d in dates if month <= d.month <= last_month]
    if years:
        return max(years)
    if not dates:
        return None
    newest = max(dates)
    return newest.year if month <= newest.month else newest.year - 1


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _without(question: str, phrase: str) -> str:
    """The question with the words that name its time taken out: the time is looked for in the
    articles' dates, and "spring" or "April" is not what the answer must say."""
    return " ".join(question.replace(phrase, " ", 1).split())
