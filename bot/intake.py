"""Adding an article from a link, a page or a text file: one path for the CLI, Discord and feeds.

Whatever the source, the result is a plain file under seeds/ (a page becomes Markdown with front
matter), checked before anything is written: it must hold an article, must not be a copy of one
already held (the same link again replaces its earlier version instead), and is parsed exactly
as the knowledge base will parse it, so the preview shows what the answers will quote.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.fetching import FetchPolicy, fetch
from bot.uploads import (
    UploadError,
    check_upload,
    names_in,
    remove_article,
    safe_name,
    save_article,
)
from knowledge.ingest import ArticleError, decode, front_matter, parse_article
from knowledge.model import Article, Kind
from knowledge.near_duplicates import closest
from knowledge.sentences import split_sentences
from knowledge.webpage import Page, decode_page, extract_page, page_markdown

PAGE_SUFFIXES = (".html", ".htm")
MIN_SENTENCES = 3  # fewer is a login page, a video page or a stub, not an article


class IntakeError(ValueError):
    """Why nothing was added, in one line."""


@dataclass(frozen=True)
class Corrections:
    """What a moderator says the page got wrong, applied before anything is saved."""

    title: str | None = None
    published: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.title or self.published)


@dataclass(frozen=True)
class Draft:
    name: str  # file name under seeds/
    data: bytes
    article: Article  # parsed exactly as the knowledge base will parse it
    replaces: str | None = None  # the earlier version of the same link, removed on save

    @cached_property  # syntok: worked out once, asked by the checks and the summary
    def sentences(self) -> list[str]:
        return [
            s
            for p in self.article.paragraphs
            if p.kind is not Kind.HEADLINE
            for s in split_sentences(p.text)
        ]

    def summary(self) -> dict[str, Any]:
        """What was understood, for the reply and ``--json``."""
        date = self.article.date
        sentences = self.sentences
        return {
            "file": self.name,
            "title": self.article.title,
            "publisher": self.article.metadata.publisher,
            "url": self.article.metadata.url,
            "date": date.day.isoformat() if date else None,
            "date_inferred": date.inferred if date else None,
            "sentences": len(sentences),
            "first_sentence": sentences[0] if sentences else None,
            "replaces": self.replaces,
        }


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise IntakeError(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def is_link(source: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source.strip()))


async def draft_from_link(
    url: str,
    policy: FetchPolicy,
    held: Sequence[Article],
    taken: set[str],
    corrections: Corrections = Corrections(),
    force: bool = False,
    today: dt.date | None = None,
    fallback: dt.date | None = None,
) -> Draft:
    """Fetch and check a page (raises ``FetchError`` or ``IntakeError``); nothing is written.
    ``fallback`` dates a page whose markup states no date (a feed item's date)."""
    fetched = await fetch(url, policy)
    html = decode_page(fetched.body, fetched.charset)
    if fetched.content_type == "text/plain":
        page = Page(title="", paragraphs=_plain_paragraphs(html), url=url.strip())
    else:
        page = await asyncio.to_thread(_extract, html, url.strip())  # lxml: off the event loop
    if page.published is None and fallback is not None:
        page = replace(page, published=fallback)
    also = {url.strip(), fetched.url}
    return await asyncio.to_thread(
        draft_from_page, page, held, taken, corrections, force, today, also
    )


def draft_from_file(
    filename: str,
    data: bytes,
    max_bytes: int,
    held: Sequence[Article],
    taken: set[str],
    corrections: Corrections = Corrections(),
    force: bool = False,
    today: dt.date | None = None,
) -> Draft:
    """Check an uploaded or local file: a page (.html/.htm) or an article (.txt/.md)."""
    if len(data) > max_bytes:
        raise IntakeError(f"the file is too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    if Path(filename).suffix.lower() in PAGE_SUFFIXES:
        if b"\x00" in data[:1024] or data.lstrip()[:5] == b"%PDF-":
            raise IntakeError("not a web page: the file is binary")
        page = _extract(decode_page(data), None)
        return draft_from_page(page, held, taken, corrections, force, today)
    try:
        name, article = check_upload(filename, data, max_bytes, taken)
        if corrections:
            data = with_front_matter(data, corrections)
            article = parse_article(name, data)
    except (UploadError, ArticleError) as exc:
        raise IntakeError(str(exc)) from None
    same = next((a for a in held if a.sha256 == article.sha256), None)
    if same is not None:
        raise IntakeError(f"this article is already in the knowledge base as `{same.source}`")
    return _checked(Draft(name, data, article), held, force, least=1)


def draft_from_page(
    page: Page,
    held: Sequence[Article],
    taken: set[str],
    corrections: Corrections = Corrections(),
    force: bool = False,
    today: dt.date | None = None,
    urls: set[str] | None = None,
) -> Draft:
    if corrections.title:
        page = replace(page, title=corrections.title.strip())
    if corrections.published:
        page = replace(page, published=corrections.published)
    if not page.title:
        page = _titled(page)
    urls = {u for u in (urls or {page.url}) if u}
    earlier = next((a for a in held if a.metadata.url and a.metadata.url in urls), None)
    if earlier is not None and earlier.source.endswith(".md"):
        name = earlier.source
    else:
        name = safe_name(f"{page.title}.md", taken)
    data = page_markdown(page, today or dt.date.today())
    try:
        article = parse_article(name, data)
    except ArticleError as exc:
        raise IntakeError(str(exc)) from None
    draft = Draft(name, data, article, earlier.source if earlier else None)
    others = [a for a in held if earlier is None or a.source != earlier.source]
    return _checked(draft, others, force)


def _checked(
    draft: Draft, held: Sequence[Article], force: bool, least: int = MIN_SENTENCES
) -> Draft:
    """A page needs a few sentences to be an article; a file a moderator chose needs one."""
    count = len(draft.sentences)
    if count < least:
        raise IntakeError(
            f"only {count} sentence{'s' if count != 1 else ''} of text found: not an article "
            f"(a news page holds at least {least})"
        )
    if not force:
        twin = closest(draft.article, held)
        if twin is not None:
            raise IntakeError(
                f"nearly the same text as `{twin.source}` (*{twin.title}*: "
                f"{twin.containment:.0%} of the shorter one's 5-word runs); "
                "add it with force to keep both"
            )
    return draft


def save_draft(seeds: Path, draft: Draft) -> Path:
    """Write the article (atomically) and remove the earlier version it replaces."""
    path = save_article(seeds, draft.name, draft.data)
    if draft.replaces and draft.replaces != draft.name:
        remove_article(seeds, draft.replaces)
    return path


def correct_article(seeds: Path, name: str, corrections: Corrections) -> Draft:
    """Set the title and date of an article already saved (the Discord edit form)."""
    path = seeds / name
    if not path.is_file() or path.resolve().parent != seeds.resolve():
        raise IntakeError(f"{name} is no longer in the seeds folder")
    try:
        data = with_front_matter(path.read_bytes(), corrections)
        article = parse_article(name, data)
    except ArticleError as exc:
        raise IntakeError(str(exc)) from None
    draft = Draft(name, data, article)
    save_article(seeds, name, data)
    return draft


def with_front_matter(data: bytes, corrections: Corrections) -> bytes:
    """The file with ``title``/``published`` set in its front matter (added if it has none);
    raises ``ArticleError`` when the file or its front matter cannot be read."""
    text = decode(data)
    front, body_start = front_matter(text)
    body = text[body_start:]
    if corrections.title:
        front["title"] = corrections.title.strip()
    if corrections.published:
        front["published"] = corrections.published.isoformat()
        front.pop("date", None)
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{header}---\n{body if body.startswith(chr(10)) else chr(10) + body}".encode()


def _extract(html: str, url: str | None) -> Page:
    try:
        return extract_page(html, url)
    except ArticleError as exc:
        raise IntakeError(str(exc)) from None


def _plain_paragraphs(text: str) -> tuple[str, ...]:
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return tuple(" ".join(b.split()) for b in blocks if b.strip())


def _titled(page: Page) -> Page:
    """A plain-text page's first line is its title when it reads like one (short, no period)."""
    first = page.paragraphs[0] if page.paragraphs else ""
    if first and len(first) <= 150 and not first.endswith((".", "!", "?")):
        return replace(page, title=first, paragraphs=page.paragraphs[1:])
    return replace(page, title=page.url or "Untitled page")


async def draft_from_source(
    source: str,
    policy: FetchPolicy,
    held: Sequence[Article],
    seeds: Path,
    corrections: Corrections = Corrections(),
    force: bool = False,
) -> Draft:
    """A link (http/https) or a local file; raises ``FetchError`` or ``IntakeError``."""
    taken = names_in(seeds)
    if is_link(source):
        return await draft_from_link(source, policy, held, taken, corrections, force)
    path = Path(source).expanduser()
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IntakeError(f"{source} is not a file")
        if size > policy.max_bytes:
            raise IntakeError(
                f"the file is too large ({size:,} bytes; the limit is {policy.max_bytes:,})"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise IntakeError(f"cannot read {source}: {exc.strerror or exc}") from None
    return draft_from_file(path.name, data, policy.max_bytes, held, taken, corrections, force)


def describe(draft: Draft) -> list[str]:
    """What was understood, one fact a line: the reply to a moderator and the CLI's output."""
    facts = draft.summary()
    date = draft.article.date
    when = (
        "none found"
        if date is None
        else f"{date.day:%d %b %Y}, {'inferred from the text' if date.inferred else 'from the page'}"
    )
    lines = [
        f"title: {facts['title']}",
        f"publisher: {facts['publisher'] or 'not stated'}",
        f"date: {when}",
        f"sentences: {facts['sentences']}",
        f"first sentence: {facts['first_sentence']}",
    ]
    if draft.replaces:
        lines.append(f"replaces: {draft.replaces} (the same link, added before)")
    return lines
