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


class Paragraph:
    """A paragraph of an article: ``Paragraph(number, kind, text, start)``, immutable.

    ``number``: 1-based among the paragraphs kept after removing repeats; ``text``: verbatim,
    markup such as ``**`` removed; ``start``: character offset of ``text`` in the article's text.

    The text is always a slice of the article's text: an ``Article`` keeps its paragraphs as
    views of its own text (``view``) rather than a second copy of every article (about 100 MB
    at a million sentences); ``text`` slices it when asked for.
    """

    __slots__ = ("_begin", "_end", "_kind", "_number", "_source", "_start")

    def __init__(self, number: int, kind: Kind, text: str, start: int) -> None:
        self._number, self._kind, self._start = number, kind, start
        self._source, self._begin, self._end = text, 0, len(text)

    @classmethod
    def view(cls, number: int, kind: Kind, article_text: str, start: int, end: int) -> Paragraph:
        """The paragraph that is ``article_text[start:end]``, holding no text of its own."""
        paragraph = cls.__new__(cls)
        paragraph._number, paragraph._kind, paragraph._start = number, kind, start
        paragraph._source, paragraph._begin, paragraph._end = article_text, start, end
        return paragraph

    @property
    def number(self) -> int:
        return self._number

    @property
    def kind(self) -> Kind:
        return self._kind

    @property
    def text(self) -> str:
        return self._source[self._begin : self._end]

    @property
    def start(self) -> int:
        return self._start

    def _key(self) -> tuple[int, Kind, str, int]:
        return self._number, self._kind, self.text, self._start

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Paragraph):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Paragraph(number={self._number!r}, kind={self._kind!r}, text={self.text!r}, "
                f"start={self._start!r})")

    def __reduce__(self) -> tuple[type[Paragraph], tuple[int, Kind, str, int]]:
        return Paragraph, self._key()


@dataclass(frozen=True, slots=True, weakref_slot=True)  # weakref: see ingest._PARSED_HERE
class Article:
    source: str  # file name relative to the seeds folder: the citation's "source"
    text: str  # the decoded file, verbatim (front matter included): quotes are found in it
    title: str
    metadata: Metadata
    paragraphs: tuple[Paragraph, ...]
    sha256: str
    # From the metadata, or inferred from the text (``date.inferred``); None when nothing says.
    date: ArticleDate | None = None

    def __post_init__(self) -> None:
        # paragraphs that are slices of the text (all, from ingest or storage) become views
        text = self.text
        paragraphs = tuple(
            Paragraph.view(p.number, p.kind, text, p.start, p.start + len(p.text))
            if p.start >= 0 and text.startswith(p.text, p.start) else p
            for p in self.paragraphs
        )
        object.__setattr__(self, "paragraphs", paragraphs)


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
