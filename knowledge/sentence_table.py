"""The knowledge base's sentences as columns of small integers, ``Sentence`` objects made on access.

A million ``Sentence`` objects, each with its own copy of its text and three int objects, held
about 300 MB. A sentence is a slice of its article's text (``Article.text[start:end]``), and
everything else about it fits in a few bytes, so the table keeps six integer columns (21 bytes
a sentence) and the articles; ``table[i]`` builds the ``Sentence`` when it is asked for,
equal to the one a build used to keep. Sentences of an article are consecutive: an article's
sentences are a range of ids.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np
import numpy.typing as npt

from knowledge.model import Article, Kind, Sentence

_KINDS: tuple[Kind, ...] = tuple(Kind)
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}
_BODY = _KIND_CODE[Kind.BODY]


def kind_code(kind: Kind) -> int:
    """A kind's code in the table (``SentenceTable.kind_codes``): 0 up to the number of kinds."""
    return _KIND_CODE[kind]


class SentenceTable(Sequence[Sentence]):
    """Immutable once built; ``add`` (articles in order) and ``close`` are for the build only."""

    __slots__ = (
        "_article",
        "_articles",
        "_end",
        "_first",
        "_index",
        "_kind",
        "_number",
        "_paragraph",
        "_start",
    )

    def __init__(self, articles: Sequence[Article]) -> None:
        self._articles = tuple(articles)
        self._index = {a.source: i for i, a in enumerate(self._articles)}
        self._article = array("i")  # index of the sentence's article in ``_articles``
        self._paragraph = array("i")
        self._number = array("i")
        self._kind = array("b")
        self._start = array("i")  # offsets in the article's text
        self._end = array("i")
        # first sentence id of each article (and the total, last): its sentences are a range
        self._first = array("q", [0] * (len(self._articles) + 1))

    def add(self, article: int, paragraph: int, number: int, kind: Kind, start: int, end: int) -> int:
        """Append a sentence of article number ``article`` (in order); its id."""
        at = len(self._article)
        self._article.append(article)
        self._paragraph.append(paragraph)
        self._number.append(number)
        self._kind.append(_KIND_CODE[kind])
        self._start.append(start)
        self._end.append(end)
        self._first[article + 1] = at + 1
        return at

    def close(self) -> SentenceTable:
        """End the build: an article without sentences starts (and ends) where the one before
        ends."""
        for i in range(1, len(self._first)):
            self._first[i] = max(self._first[i], self._first[i - 1])
        return self

    def __len__(self) -> int:
        return len(self._article)

    @property
    def article_column(self) -> array[int]:
        """For each sentence, the index of its article (read-only: shared, not copied)."""
        return self._article

    def __bool__(self) -> bool:
        return bool(self._article)

    @overload
    def __getitem__(self, i: int) -> Sentence: ...

    @overload
    def __getitem__(self, i: slice) -> list[Sentence]: ...

    def __getitem__(self, i: int | slice) -> Sentence | list[Sentence]:
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(len(self)))]
        size = len(self._article)
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError("sentence id out of range")
        return self._make(i)

    def __iter__(self) -> Iterator[Sentence]:
        return map(self._make, range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def _make(self, i: int) -> Sentence:
        article = self._articles[self._article[i]]
        start, end = self._start[i], self._end[i]
        return Sentence(
            i, article.source, self._paragraph[i], self._number[i], _KINDS[self._kind[i]],
            article.text[start:end], start, end,
        )

    # --- without making Sentence objects: what scans of every sentence need --------------

    def text(self, i: int) -> str:
        return self._articles[self._article[i]].text[self._start[i] : self._end[i]]

    def texts(self) -> Iterator[str]:
        """Every sentence's text, in id order."""
        articles = self._articles
        for a, start, end in zip(self._article, self._start, self._end, strict=True):
            yield articles[a].text[start:end]

    def kinds_and_texts(self) -> Iterator[tuple[Kind, str]]:
        """Every sentence's kind and text, in id order."""
        return zip(map(_KINDS.__getitem__, self._kind), self.texts(), strict=True)

    def ids_of_kinds(self, kinds: Iterable[Kind]) -> list[int]:
        """Ids of the sentences of these kinds, ascending."""
        codes = {_KIND_CODE[k] for k in kinds}
        return [i for i, code in enumerate(self._kind) if code in codes]

    def kind(self, i: int) -> Kind:
        return _KINDS[self._kind[i]]

    def of_kinds(
        self, ids: npt.NDArray[np.integer], kinds: Iterable[Kind]
    ) -> npt.NDArray[np.bool_]:
        """For each of ``ids``, whether that sentence is of one of ``kinds``: many at once."""
        wanted = np.zeros(len(_KINDS), dtype=bool)
        wanted[[_KIND_CODE[k] for k in kinds]] = True
        return wanted[np.frombuffer(self._kind, dtype=np.int8)[ids]]

    def kind_codes(self, ids: npt.NDArray[np.integer]) -> npt.NDArray[np.int8]:
        """For each of ``ids``, its sentence's kind as a code (``kind_code``): many at once."""
        return np.frombuffer(self._kind, dtype=np.int8)[ids]

    def articles_of(self, ids: npt.NDArray[np.integer]) -> npt.NDArray[np.int32]:
        """For each of ``ids``, the number of its sentence's article: many at once."""
        return np.frombuffer(self._article, dtype=np.int32)[ids]

    def previous_id(self, i: int) -> int | None:
        """The sentence just before ``i`` in the same article's body, if ``i`` may lean on it
        (``KnowledgeBase.previous``): in the same paragraph, or the last of the body paragraph
        before when ``i`` opens a body paragraph."""
        before = i - 1
        if before < 0 or self._article[before] != self._article[i]:
            return None
        if self._paragraph[before] == self._paragraph[i]:
            return before
        body = self._kind[before] == _BODY == self._kind[i]
        return before if body and self._number[i] == 1 else None

    def source(self, i: int) -> str:
        return self._articles[self._article[i]].source

    @property
    def article_starts(self) -> array[int]:
        """Each article's first sentence id, and the total last: article ``n``'s sentences are
        ids ``starts[n]`` to ``starts[n + 1]`` (read-only: shared, not copied)."""
        return self._first

    def article_number(self, source: str) -> int | None:
        """An article's position in the table's articles (None for an unknown source)."""
        return self._index.get(source)

    def ids_of(self, source: str) -> range:
        """Ids of one article's sentences (empty for an unknown source)."""
        at = self._index.get(source)
        return range(0) if at is None else range(self._first[at], self._first[at + 1])

    def of_sources(self, sources: Iterable[str]) -> Iterator[Sentence]:
        """The sentences of these articles, in id order."""
        ranges = sorted((self.ids_of(s) for s in set(sources)), key=lambda r: r.start)
        for ids in ranges:
            yield from map(self._make, ids)

    def with_kinds(self, kinds: Iterable[Kind]) -> Iterator[Sentence]:
        """The sentences of these kinds, in id order."""
        return map(self._make, self.ids_of_kinds(kinds))

    def counts(self) -> Counter[str]:
        """Sentences of each article that has any."""
        return Counter(
            {a.source: self._first[i + 1] - self._first[i] for i, a in enumerate(self._articles)
             if self._first[i + 1] > self._first[i]}
        )

    @property
    def nbytes(self) -> int:
        columns = (self._article, self._paragraph, self._number, self._kind, self._start,
                   self._end, self._first)
        return sum(c.itemsize * len(c) for c in columns)
