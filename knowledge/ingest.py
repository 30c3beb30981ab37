"""Articles on disk → ``Article``: front matter, headline, summary and body paragraphs, repeats removed.

Scraped pages often print the headline twice and repeat body paragraphs at the end; a repeat is
dropped so that every paragraph is indexed once and cited at its first position.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.analysis import normalise
from knowledge.dates import ArticleDate, infer_date
from knowledge.model import Article, Kind, Metadata, Paragraph, Problem
from knowledge.sentences import sentence_spans

ARTICLE_SUFFIXES = (".txt", ".md")
SIDECAR_SUFFIXES = (".meta.yaml", ".meta.yml", ".yaml", ".yml")
_HEADLINE = re.compile(r"^(?:\*\*|__)(?P<text>.+?)(?:\*\*|__)$|^#{1,6}\s+(?P<hash>.+?)\s*#*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_TERMINAL = (".", "!", "?", '"', "”", "’", "'", ")", ":")
# "note" says what a file is (a test fixture, say); "author" and "added" are kept by intake tools.
_METADATA_KEYS = {"title", "publisher", "url", "published", "date", "source", "note", "author", "added"}


class ArticleError(ValueError):
    """Why one article cannot be loaded, in words fit for a moderator."""


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    start: int
    headline: bool


def load_articles(
    folder: Path, max_bytes: int = 20_000_000, known: Mapping[str, Article] | None = None
) -> tuple[list[Article], list[Problem]]:
    """Every readable article under ``folder``, in name order, and a problem line for each other.

    ``known``: articles loaded before, by source. One whose bytes and metadata are unchanged is
    returned as it is, without parsing it again (a reload of a million sentences spent eight
    seconds parsing what it already had); one that parses the same again is returned instead of
    the new parse, which is dropped at once: a reload holds one copy of an unchanged article
    (the one the serving knowledge base holds), not two.
    """
    articles: list[Article] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return [], [Problem(str(folder), "seeds folder not found")]
    for path in sorted(article_paths(folder)):
        source = path.relative_to(folder).as_posix()
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise ArticleError(f"too large ({size:,} bytes; the limit is {max_bytes:,})")
            raw = path.read_bytes()
            sidecar = read_sidecar(path)
            before = known.get(source) if known is not None else None
            if before is not None and _unchanged(before, raw, sidecar):
                articles.append(before)
                continue
            article = parse_article(source, raw, sidecar)
            articles.append(before if before == article else article)
        except ArticleError as exc:
            problems.append(Problem(source, str(exc)))
        except OSError as exc:
            problems.append(Problem(source, f"cannot read: {exc.strerror or exc}"))
    return articles, problems


def _unchanged(before: Article, raw: bytes, sidecar: dict[str, Any] | None) -> bool:
    """Whether parsing ``raw`` with ``sidecar`` would give ``before`` again: the same bytes, and
    the same metadata (a sidecar may change alone), and ``before`` made by this process's parser.
    An article is a function of the two and the parser."""
    if _PARSED_HERE.get(id(before)) is not before or before.sha256 != hashlib.sha256(raw).hexdigest():
        return False
    try:
        front, _ = front_matter(decode(raw))
        return _metadata({**(sidecar or {}), **front}) == before.metadata
    except ArticleError:
        return False


def article_paths(folder: Path) -> Iterable[Path]:
    for path in folder.rglob("*"):
        if path.suffix.lower() in ARTICLE_SUFFIXES and path.is_file() and not _hidden(path, folder):
            yield path


def _hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(folder).parts)


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """Metadata from ``name.meta.yaml`` (or ``name.yaml``) beside the article, if there is one."""
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_suffix(suffix)
        if sidecar.is_file():
            try:
                data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
                raise ArticleError(f"metadata file {sidecar.name}: {_first_line(exc)}") from None
            if data is not None and not isinstance(data, dict):
                raise ArticleError(f"metadata file {sidecar.name}: expected a mapping")
            return data or {}
    return None


def decode(raw: bytes) -> str:
    if not raw.strip():
        raise ArticleError("empty file")
    if b"\x00" in raw[:8192]:
        raise ArticleError("binary file (NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"not valid UTF-8 (byte {exc.start}: {raw[exc.start]:#04x})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_article(source: str, raw: bytes, sidecar: dict[str, Any] | None = None) -> Article:
    """Parse one article; raises ``ArticleError`` with a one-line reason."""
    text = decode(raw)
    front, body_start = front_matter(text)
    metadata = _metadata({**(sidecar or {}), **front})
    blocks = _dedupe(_blocks(text, body_start))
    if not blocks:
        raise ArticleError("no text after the front matter")
    paragraphs = _classify(blocks)
    headline = next((p.text for p in paragraphs if p.kind is Kind.HEADLINE), None)
    title = metadata.title or headline or Path(source).stem
    digest = hashlib.sha256(raw).hexdigest()
    article = Article(
        source, text, title, metadata, tuple(paragraphs), digest, article_date(metadata, paragraphs)
    )
    _PARSED_HERE[id(article)] = article
    return article


# The articles this process's parser made, by identity: only those may stand for a parse of the
# same bytes again. One read back from the knowledge store may come from an older parser.
_PARSED_HERE: weakref.WeakValueDictionary[int, Article] = weakref.WeakValueDictionary()


def article_date(metadata: Metadata, paragraphs: Iterable[Paragraph]) -> ArticleDate | None:
    """From the metadata, else inferred from the body (its dateline or the dates it states)."""
    return infer_date(metadata.published, (p.text for p in paragraphs if p.kind is not Kind.HEADLINE))


def front_matter(text: str) -> tuple[dict[str, Any], int]:
    """The front matter's mapping ({} when there is none) and where the body starts."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    try:
        data = yaml.safe_load(match.group("yaml"))
    except yaml.YAMLError as exc:
        raise ArticleError(f"front matter: invalid YAML: {_first_line(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ArticleError("front matter: expected a mapping of title, publisher, url, published")
    return data, match.end()


def _metadata(data: dict[str, Any]) -> Metadata:
    unknown = set(map(str, data)) - _METADATA_KEYS
    if unknown:
        raise ArticleError(f"metadata: unknown key {sorted(unknown)[0]!r}")
    values = {k: (str(v).strip() or None if v is not None else None) for k, v in data.items()}
    return Metadata(
        title=values.get("title"),
        publisher=values.get("publisher") or values.get("source"),
        url=values.get("url"),
        published=values.get("published") or values.get("date"),
    )


def _blocks(text: str, offset: int) -> list[_Block]:
    """Paragraphs: one per line, except that wrapped lines (no end punctuation) are joined."""
    blocks: list[_Block] = []
    open_block: _Block | None = None
    position = offset
    for line in text[offset:].split("\n"):
        line_start = position
        position += len(line) + 1
        stripped = line.strip()
        if not stripped:
            open_block = None
            continue
        start = line_start + (len(line) - len(line.lstrip()))
        match = _HEADLINE.match(stripped)
        if match:
            inner = (match.group("text") or match.group("hash")).strip()
            blocks.append(_Block(inner, text.index(inner, start), headline=True))
            open_block = None
            continue
        if open_block is not None and not open_block.text.endswith(_TERMINAL):
            joined = text[open_block.start : start + len(stripped)]
            open_block = _Block(joined, open_block.start, headline=False)
            blocks[-1] = open_block
            continue
        open_block = _Block(stripped, start, headline=False)
        blocks.append(open_block)
    return blocks


def _dedupe(blocks: list[_Block]) -> list[_Block]:
    seen: set[str] = set()
    kept: list[_Block] = []
    for block in blocks:
        key = match_key(block.text)
        if key and key not in seen:
            seen.add(key)
            kept.append(block)
    return kept


def match_key(text: str) -> str:
    """Form under which two passages count as the same: case, quotes and spacing folded."""
    return plain_match_key(normalise(text))


def plain_match_key(plain: str) -> str:
    """``match_key`` of a text already normalised (``normalise``)."""
    return " ".join(plain.casefold().split())


def _classify(blocks: list[_Block]) -> list[Paragraph]:
    first_headline = next((i for i, b in enumerate(blocks) if b.headline), None)
    paragraphs: list[Paragraph] = []
    for i, block in enumerate(blocks):
        if block.headline:
            kind = Kind.HEADLINE
        elif first_headline is not None and i < first_headline:
            kind = Kind.SUMMARY
        elif first_headline is not None and i == first_headline + 1 and _is_subtitle(blocks, i):
            kind = Kind.SUBTITLE
        else:
            kind = Kind.BODY
        paragraphs.append(Paragraph(len(paragraphs) + 1, kind, block.text, block.start))
    return paragraphs


def _is_subtitle(blocks: list[_Block], i: int) -> bool:
    """A one-sentence line right under the headline, with body text after it."""
    text = blocks[i].text
    return i + 1 < len(blocks) and len(text) <= 300 and len(sentence_spans(text)) == 1


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
