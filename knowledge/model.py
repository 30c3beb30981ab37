"""The data that flows between stages: Article → Sentence → (index) → Answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from knowledge.dates import ArticleDate


class Kind(StrEnum):
    """Role of a paragraph in a scraped article; shown in citations and used by summaries."""

    SUMMARY = "summary"  # the short line some sites print before the headline
    HEADLINE = "headline"
    SUBTITLE = "subtitle"
    BODY = "body"


# The lines that say what an article is about, before its body.
LEAD_KINDS = frozenset({Kind.HEADLINE, Kind.SUMMARY, Kind.SUBTITLE})


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    number: int  # 1-based among the paragraphs kept after removing repeats
    kind: Kind
    text: str  # verbatim, markup such as ``**`` removed
    start: int  # character offset of ``text`` in the article's text


@dataclass(frozen=True, slots=True)
class Article:
    source: str  # file name relative to the seeds folder: the citation's "source"
    text: str  # the decoded file, verbatim (front matter included): quotes are found in it
    title: str
    metadata: Metadata
    paragraphs: tuple[Paragraph, ...]
    sha256: str
    # From the metadata, or inferred from the text (``date.inferred``); None when nothing says.
    date: ArticleDate | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    id: int  # position in the knowledge base
    source: str
    paragraph: int
    number: int  # 1-based within its paragraph
    kind: Kind
    text: str  # verbatim
    start: int  # character offsets in the article's text
    end: int


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that could not be loaded, and why, in one line."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Quote:
    sentence: Sentence
    score: float
    # Sentences just before ``sentence`` that it leans on ("This could entail…"), in order.
    context: tuple[Sentence, ...] = ()
    text: str = ""  # what is quoted: all of ``sentences`` as one verbatim span of the source
    # Sentences just after ``sentence`` that continue it and also match the question.
    continuation: tuple[Sentence, ...] = ()
    # Relative days the quote names, resolved against its article's date, for a "when"
    # question: ("Monday", 2025-05-12). Shown beside the quote, never inside it.
    days: tuple[tuple[str, dt.date], ...] = ()

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return (*self.context, self.sentence, *self.continuation)


@dataclass(frozen=True, slots=True)
class Citation:
    """What a reply shows about a quoted source."""

    title: str
    metadata: Metadata = Metadata()
    date: ArticleDate | None = None

    @classmethod
    def of(cls, article: Article) -> Citation:
        return cls(article.title, article.metadata, article.date)


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answered: bool
    quotes: tuple[Quote, ...] = ()
    # Why nothing was quoted, for the reply (empty when answered).
    reason: str = ""
    sources: dict[str, Citation] = field(default_factory=dict)  # the quoted sources
