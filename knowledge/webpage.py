"""A news page (HTML) → the article it holds, as a Markdown file with front matter.

The page's main text is found by trafilatura, which drops what surrounds an article on a news
site: menus, cookie banners, related links, comments, newsletter boxes. Its title, publisher,
author and date come from the page's metadata (``<meta>``, JSON-LD, ``<time>``); the date only
when the markup states it: a page without one gets none here, and the knowledge base infers it
from the text (a dateline, the dates stated) and marks it as inferred, as for any article.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass

import trafilatura
import yaml

from knowledge.ingest import ArticleError

# Labels that browsers decode as Windows-1252 (the WHATWG Encoding Standard): a page declaring
# ISO-8859-1 or ASCII is almost always Windows-1252 in fact ("smart quotes" in 0x80–0x9F).
_AS_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# A page title often ends with the site's name: "Talks resume | Harbour Ledger".
_TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,60}$")


@dataclass(frozen=True, slots=True)
class Page:
    """What a page holds: its article's paragraphs and what its markup says about it."""

    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: dt.date | None = None  # only from the page's markup (or a moderator)


def decode_page(body: bytes, declared: str | None = None) -> str:
    """Text of a page in the charset its server declared, else its ``<meta charset>``, else
    UTF-8 when it is valid UTF-8, else Windows-1252 (which decodes any byte)."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    for label in (declared, meta.group(1).decode("ascii") if meta else None):
        codec = _codec(label)
        if codec is not None:
            return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_WINDOWS_1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None  # an unknown label is ignored, as browsers do


def extract_page(html: str, url: str | None = None) -> Page:
    """The article a page holds; raises ``ArticleError`` when it holds none."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None or not (document.text or "").strip():
        raise ArticleError("no article text found on the page")
    lines = [" ".join(line.split()) for line in document.text.splitlines()]
    title = _title(document.title, lines)
    paragraphs = tuple(
        line for n, line in enumerate(lines) if line and not (n == 0 and line == title)
    )
    if not paragraphs:
        raise ArticleError("no article text found on the page")
    return Page(
        title=title,
        paragraphs=paragraphs,
        url=url,
        publisher=_clean(document.sitename),
        author=_clean(document.author),
        published=_date(document.date),
    )


def _title(title: str | None, lines: list[str]) -> str:
    title = " ".join((title or "").split())
    title = _TITLE_SUFFIX.sub("", title)
    return title or next((line for line in lines if line), "Untitled page")


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def page_markdown(page: Page, added: dt.date) -> bytes:
    """The article file: front matter (title, publisher, author, url, published, added), the
    headline, then one paragraph per block. The knowledge base quotes from this file."""
    front = {
        "title": page.title,
        "publisher": page.publisher,
        "author": page.author,
        "url": page.url,
        "published": page.published.isoformat() if page.published else None,
        "added": added.isoformat(),
    }
    header = yaml.safe_dump(
        {k: v for k, v in front.items() if v is not None},
        sort_keys=False,
        allow_unicode=True,
        width=1000,
    )
    body = "\n\n".join(page.paragraphs)
    return f"---\n{header}---\n\n# {page.title}\n\n{body}\n".encode()
