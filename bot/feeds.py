"""Feeds: new articles about the dispute added as news sites publish them.

One pass reads every configured RSS/Atom feed (feedparser, which copes with the dialects and
broken dates real feeds have), keeps the items whose title and summary are about what the
knowledge base is about (``knowledge.topic``), skips links already held, and adds each page as
``/kb add url:`` would. A feed or an item that fails is reported and tried again next pass; it
never stops the others. Parsing and extraction run in threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import feedparser

from bot.fetching import FEED_TYPES, FetchError, FetchPolicy, fetch
from bot.intake import Draft, IntakeError, draft_from_link, save_draft
from bot.uploads import names_in
from knowledge.model import Article
from knowledge.topic import about_topic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedItem:
    feed: str
    link: str
    title: str
    summary: str
    published: dt.date | None = None


@dataclass
class FeedPass:
    added: list[Draft] = field(default_factory=list)
    off_topic: list[FeedItem] = field(default_factory=list)
    held: int = 0  # items whose link is already in the knowledge base
    refused: list[tuple[str, str]] = field(default_factory=list)  # (link, why)
    failed_feeds: list[tuple[str, str]] = field(default_factory=list)  # (feed, why)

    def summary(self) -> str:
        lines = [
            f"{len(self.added)} added, {self.held} already held, "
            f"{len(self.off_topic)} not about the dispute, {len(self.refused)} refused, "
            f"{len(self.failed_feeds)} feed(s) failed"
        ]
        lines += [f"added {d.name}: {d.article.title}" for d in self.added]
        lines += [f"refused {link}: {why}" for link, why in self.refused]
        lines += [f"feed failed {feed}: {why}" for feed, why in self.failed_feeds]
        return "\n".join(lines)


def parse_feed(feed: str, body: bytes) -> list[FeedItem]:
    """The items of an RSS or Atom document; raises ``FetchError`` when it is neither."""
    parsed = feedparser.parse(body)
    if not parsed.entries and parsed.get("bozo"):
        reason = parsed.get("bozo_exception")
        raise FetchError(f"not an RSS or Atom feed ({reason or 'unreadable'})")
    items = []
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            FeedItem(
                feed=feed,
                link=link,
                title=(entry.get("title") or "").strip(),
                summary=(entry.get("summary") or "").strip(),
                published=dt.datetime.fromtimestamp(calendar.timegm(when), dt.UTC).date()
                if when
                else None,
            )
        )
    return items


async def read_feed(feed: str, policy: FetchPolicy) -> list[FeedItem]:
    fetched = await fetch(feed, policy, accept=FEED_TYPES)
    return await asyncio.to_thread(parse_feed, feed, fetched.body)


async def feed_pass(
    feeds: Sequence[str],
    policy: FetchPolicy,
    held: Sequence[Article],
    keys: frozenset[str],
    seeds: Path,
    progress: Callable[[int], None] | None = None,
) -> FeedPass:
    """Read every feed once and add what is new and about the dispute. The caller reloads."""
    result = FeedPass()
    articles = list(held)
    links = {a.metadata.url for a in articles if a.metadata.url}
    for feed in feeds:
        try:
            items = await read_feed(feed, policy)
        except FetchError as exc:
            log.warning("feed %s failed, will retry next time: %s", feed, exc)
            result.failed_feeds.append((feed, str(exc)))
            continue
        for item in items:
            if progress is not None:
                progress(1)
            if item.link in links:
                result.held += 1
                continue
            if not about_topic(f"{item.title}. {item.summary}", keys):
                result.off_topic.append(item)
                continue
            try:
                draft = await draft_from_link(
                    item.link, policy, articles, names_in(seeds), fallback=item.published
                )
                await asyncio.to_thread(save_draft, seeds, draft)
            except (FetchError, IntakeError, OSError) as exc:
                log.info("feed item %s not added: %s", item.link, exc)
                result.refused.append((item.link, str(exc)))
                continue
            result.added.append(draft)
            articles.append(draft.article)
            links.add(item.link)
    return result

