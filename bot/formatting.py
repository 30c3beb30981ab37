"""Answer → Discord markdown. The console prints the same text, so what you test is what users read.

Quotes are blockquotes with numbered citations and a source list. Markdown in a quote is escaped
(a quoted ``*`` must not turn into italics) and a reply never exceeds Discord's 2000 characters: it
is cut at a quote boundary, or inside a quote at a sentence boundary, and marked with "…".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from knowledge.dates import ArticleDate, format_day
from knowledge.model import Answer, Article, Citation, Kind, Quote
from knowledge.summaries import Summary

if TYPE_CHECKING:
    from bot.storage.reports import Stats, UnansweredQuestion

DISCORD_LIMIT = 2000
TIMELINE_LINE = 200  # characters of a timeline line, cut at a sentence or word end with "…"
_MARKER = re.compile(r" \*\*\[\d+\]\*\*$")  # a quote's citation number, " **[1]**"
_MARKDOWN = re.compile(r"([\\*_`~|\[\]])")  # brackets: no masked links from quoted text


def plural(count: int, word: str, many: str | None = None) -> str:
    """"1 source", "2 sources": what a reader expects, not "1 source(s)"."""
    return f"{count} {word if count == 1 else many or word + 's'}"


# Right-to-left overrides, isolates and marks: echoed back they would reorder the line around
# them ("**Q:** …" showing text the asker never typed in that order).
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def echoed(text: str, room: int) -> str:
    """A user's text as quoted back to them: one line, no bidi controls, markdown escaped."""
    return escape(trim(" ".join(_BIDI_CONTROLS.sub("", text).split()), room))


def too_long(length: int, limit: int) -> str:
    return (f"That question is too long ({length} characters; the limit is {limit}). "
            "Please ask it more briefly.")


def escape(text: str) -> str:
    """Neutralise Discord markdown so a quote renders as the plain words it is.

    Mentions are left as written: every send uses ``AllowedMentions.none()``, so they ping nobody.
    """
    return _MARKDOWN.sub(r"\\\1", text)


def citation(quote: Quote, sources: dict[str, Citation]) -> str:
    return f"{_cited(quote, sources)} — {_where(quote)} · `{quote.sentence.source}`"


def _cited(quote: Quote, sources: dict[str, Citation]) -> str:
    """*Title* (publisher, date) <url>: what a reader needs to find the article."""
    cited = sources.get(quote.sentence.source) or Citation(quote.sentence.source)
    about = ", ".join(x for x in (cited.metadata.publisher, _date(cited.date)) if x)
    about = f" ({escape(about)})" if about else ""
    url = cited.metadata.url or ""
    link = f" <{url}>" if url.startswith(("https://", "http://")) and ">" not in url else ""
    return f"*{escape(cited.title)}*{about}{link}"


def _where(quote: Quote) -> str:
    """"¶4, s1–2": the paragraph and the sentences quoted (context and continuation included)."""
    s = quote.sentence
    where = f"¶{s.paragraph}"
    if s.kind is not Kind.BODY:
        where += f" ({s.kind.value})"
    first, last = quote.sentences[0], quote.sentences[-1]
    sentences = f"s{first.number}" if first is last else f"s{first.number}–{last.number}"
    return f"{where}, {sentences}"


def time_labels(quotes: Sequence[Quote], sources: dict[str, Citation]) -> list[str]:
    """A line naming each quote's date when the quotes come from more than one date, so that a
    change over time reads as one: "**12 May 2025**", then "**Earlier, 25 Apr 2025**"."""
    days = [_day(sources.get(q.sentence.source)) for q in quotes]
    if len({d for d in days if d is not None}) < 2:
        return ["" for _ in quotes]
    first = days[0]
    labels = []
    for n, day in enumerate(days):
        if day is None or (n and day == days[n - 1]):
            labels.append("")  # undated, or the same date as the quote above
            continue
        earlier = "Earlier, " if first is not None and day < first else ""
        labels.append(f"**{earlier}{format_day(day)}**\n")
    return labels


def _days(quote: Quote) -> str:
    """"(Monday: 12 May 2025)" under a quote that says "on Monday", for a "when" question."""
    if not quote.days:
        return ""
    return "\n*(" + "; ".join(f"{name}: {format_day(day)}" for name, day in quote.days) + ")*"


def _day(cited: Citation | None) -> dt.date | None:
    return cited.date.day if cited is not None and cited.date is not None else None


def _date(date: ArticleDate | None) -> str:
    return date.label() if date is not None else ""


def render_quotes(quotes: Sequence[Quote], sources: dict[str, Citation], heading: str = "") -> str:
    labels = time_labels(quotes, sources)
    blocks = [
        f"{label}> {escape(q.text)} **[{n}]**{_days(q)}"
        for n, (q, label) in enumerate(zip(quotes, labels, strict=True), 1)
    ]
    parts = [heading] if heading else []
    return _fit(parts, blocks, lambda keep: citations(quotes[:keep], sources))


def citations(quotes: Sequence[Quote], sources: dict[str, Citation]) -> list[str]:
    """One line per article, in the order first quoted: its title, publisher, date and link
    once, then where each of its quotes stands ("**[1, 3]** *Title* (…) — [1] ¶4, s2 · [3] ¶7,
    s1 · `file`")."""
    by_source: dict[str, list[tuple[int, Quote]]] = {}
    for n, q in enumerate(quotes, 1):
        by_source.setdefault(q.sentence.source, []).append((n, q))
    lines = []
    for numbered in by_source.values():
        if len(numbered) == 1:
            n, q = numbered[0]
            lines.append(f"**[{n}]** {citation(q, sources)}")
            continue
        numbers = ", ".join(str(n) for n, _ in numbered)
        places = " · ".join(f"[{n}] {_where(q)}" for n, q in numbered)
        first = numbered[0][1]
        lines.append(f"**[{numbers}]** {_cited(first, sources)} — {places} · `{first.sentence.source}`")
    return lines


def render_answer(answer: Answer) -> str:
    if not answer.answered:
        return f"{answer.reason} Try `/sources` to see what the articles cover."
    return render_quotes(answer.quotes, answer.sources)


def render_summary(summary: Summary) -> str:
    """Where things stand (the newest article), then one dated line per earlier article."""
    if not summary.quotes:
        return "There is nothing to summarise yet: the knowledge base is empty."
    if summary.source:
        title = summary.sources[summary.source].title if summary.source in summary.sources else ""
        heading = f"**Summary of {escape(title or summary.source)}**"
    elif summary.timeline:
        newest = _day(summary.sources.get(summary.quotes[0].sentence.source))
        heading = "**Where things stand**" + (f" ({format_day(newest)})" if newest else "")
    else:
        heading = "**Summary of the articles**"
    quotes = summary.all_quotes
    # the timeline's lines are news leads: their opening words say what happened
    room = [None] * len(summary.quotes) + [TIMELINE_LINE] * len(summary.timeline)
    blocks = [
        f"> {escape(trim(q.text, r) if r else q.text)} **[{n}]**"
        for n, (q, r) in enumerate(zip(quotes, room, strict=True), 1)
    ]
    if summary.timeline:
        earlier = len(summary.quotes)
        blocks[earlier] = "**How they got there**\n" + _dated(quotes[earlier], summary.sources) + (
            blocks[earlier]
        )
        for n in range(earlier + 1, len(quotes)):
            blocks[n] = _dated(quotes[n], summary.sources) + blocks[n]
    return _fit([heading], blocks, lambda keep: citations(quotes[:keep], summary.sources))


def _dated(quote: Quote, sources: dict[str, Citation]) -> str:
    day = _day(sources.get(quote.sentence.source))
    return f"**{format_day(day)}**\n" if day else ""


def render_timeline(events: Sequence[Quote], sources: dict[str, Citation]) -> list[str]:
    """One line per dated event, oldest first: "**12 May 2025** — “…” *Title* ¶2"; the caller
    pages them (Discord's 2000 characters)."""
    lines = []
    for quote in events:
        cited = sources.get(quote.sentence.source) or Citation(quote.sentence.source)
        day = _day(cited)
        when = format_day(day) if day else "undated"
        text = escape(trim(quote.text, TIMELINE_LINE))
        lines.append(
            f"**{when}** — “{text}” · *{escape(cited.title)}* ¶{quote.sentence.paragraph} "
            f"`{quote.sentence.source}`"
        )
    return lines


def timeline_heading(count: int) -> str:
    return f"**Timeline** — {plural(count, 'dated article')}, oldest first"


def render_sources(articles: Iterable[Article], sentence_counts: dict[str, int]) -> str:
    lines = []
    for n, article in enumerate(articles, 1):
        extra = " · ".join(x for x in (_date(article.date), article.metadata.publisher) if x)
        count = sentence_counts.get(article.source, 0)
        line = f"**{n}.** *{escape(article.title)}* — `{article.source}`, {count} sentences"
        lines.append(line + (f" · {escape(extra)}" if extra else ""))
    if not lines:
        return "The knowledge base is empty: add articles to `seeds/` and reload."
    return _fit([f"**{plural(len(lines), 'source')}**"], lines)


def _fit(
    head: list[str], blocks: list[str], cite: Callable[[int], list[str]] | None = None
) -> str:
    """Join, dropping trailing blocks (and their citations: ``cite(n)`` cites the first n) until
    the text fits Discord's limit."""
    cite = cite or (lambda keep: [])
    keep = len(blocks)
    while keep > 0:
        text = _join(head, blocks[:keep], cite(keep))
        if len(text) <= DISCORD_LIMIT:
            return text if keep == len(blocks) else text + "\n*(more quotes left out)*"
        keep -= 1
    # A single block longer than the limit: trim it at a sentence boundary, keeping its marker.
    marker = _MARKER.search(blocks[0])
    suffix = marker.group(0) if marker else ""
    room = DISCORD_LIMIT - len(_join(head, [suffix], cite(1))) - 2
    return _join(head, [trim(blocks[0][: len(blocks[0]) - len(suffix)], room) + suffix], cite(1))


def _join(head: list[str], blocks: list[str], sources: list[str]) -> str:
    body = "\n".join(blocks)
    tail = ("\n\n" + "\n".join(sources)) if sources else ""
    return "\n\n".join([*head, body]) + tail if head else body + tail


def trim(text: str, room: int) -> str:
    """Cut ``text`` to at most ``room`` characters, at a sentence end if possible, adding "…"."""
    if len(text) <= room:
        return text
    cut = text[: max(room - 1, 0)]
    ends = [m.end() for m in re.finditer(r"[.!?][”\"’']?(?=\s)", cut)]
    if ends and ends[-1] > room // 3:
        cut = cut[: ends[-1]]
    else:
        space = cut.rfind(" ")
        cut = cut[:space] if space > room // 3 else cut
    return cut.rstrip() + "…"


def render_stats(stats: Stats, days: int) -> str:
    latency = f", mean {stats.mean_latency_ms:.0f} ms" if stats.mean_latency_ms is not None else ""
    lines = [
        f"**Last {plural(days, 'day')}**: {plural(stats.questions, 'question')}, "
        f"{stats.answered_share:.0%} answered, 👍 {stats.up} / 👎 {stats.down}{latency}",
        "Per day: "
        + " · ".join(f"{d.day[5:]} {d.questions}" for d in stats.per_day[-14:])
        + (" (last 14 days)" if len(stats.per_day) > 14 else ""),
    ]
    if stats.channels:
        busiest = " · ".join(f"<#{c.channel_id}> {c.questions}" for c in stats.channels)
        lines.append(f"Busiest channels: {busiest}")
    return trim("\n".join(lines), DISCORD_LIMIT)


def render_unanswered(rows: Sequence[UnansweredQuestion], days: int) -> str:
    if not rows:
        return f"No unanswered questions in the last {plural(days, 'day')}."
    return _fit([unanswered_heading(days)], unanswered_lines(rows))


def unanswered_heading(days: int) -> str:
    return f"**Unanswered in the last {plural(days, 'day')}**, most asked first:"


def unanswered_lines(rows: Sequence[UnansweredQuestion]) -> list[str]:
    """One line a question: how often, the latest wording (escaped, one line), when last asked."""
    return [
        f"{r.count}× “{echoed(r.question, 150)}” ({r.last_asked[:10]})"
        for r in rows
    ]
