"""Per-sentence data of the index in flat arrays instead of one Python object per sentence.

At a million sentences, a tuple per sentence (its span, its terms) costs over 100 bytes before
its contents: these sequences keep the numbers in ``array`` buffers and make the tuples when
asked for one. They read like the lists and tuples they replace (indexing, iteration, ``==``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from knowledge.index import ArticleAnalysis

Span = tuple[int, int, int]  # paragraph number, start, end (offsets in the paragraph's text)


class SpanArray(Sequence[Span]):
    """An article's sentence spans, three ints each in one flat array: 12 bytes a span."""

    __slots__ = ("_flat",)

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self._flat = array("i", chain.from_iterable(spans))

    def __len__(self) -> int:
        return len(self._flat) // 3

    @overload
    def __getitem__(self, i: int) -> Span: ...

    @overload
    def __getitem__(self, i: slice) -> list[Span]: ...

    def __getitem__(self, i: int | slice) -> Span | list[Span]:
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("span out of range")
        flat = self._flat
        return flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]

    def __iter__(self) -> Iterator[Span]:
        flat = self._flat
        return zip(flat[0::3], flat[1::3], flat[2::3], strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpanArray):
            return self._flat == other._flat
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(
            a == tuple(b) for a, b in zip(self, other, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SpanArray({list(self)!r})"


class TermTable(Sequence[tuple[str, ...]]):
    """The analysed terms of each sentence of a knowledge base, read from its article's analysis.

    The analyses are the ones the service keeps per article hash (shared, not copied): a
    sentence only needs the number of its article and of its span there, 8 bytes.
    """

    __slots__ = ("_analyses", "_article", "_span")

    def __init__(
        self, analyses: Sequence[ArticleAnalysis], article: array[int], span: array[int]
    ) -> None:
        self._analyses = tuple(analyses)
        self._article = article  # for each sentence, its article's index in ``analyses``
        self._span = span  # and the number of the span it was cut from

    def __len__(self) -> int:
        return len(self._span)

    @overload
    def __getitem__(self, i: int) -> tuple[str, ...]: ...

    @overload
    def __getitem__(self, i: slice) -> list[tuple[str, ...]]: ...

    def __getitem__(self, i: int | slice) -> tuple[str, ...] | list[tuple[str, ...]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        # ArticleAnalysis.terms, inlined: a question reads a few hundred sentences' terms, nearly
        # all different ones (a cache of rows would hit one time in ten), so making a row must be
        # cheap: one ``itemgetter`` call picks the terms, no per-term Python step
        done, span = self._analyses[self._article[i]], self._span[i]
        ends = done.term_ends
        start, end = ends[span - 1] if span else 0, ends[span]
        if end - start > 1:
            return itemgetter(*done.term_ids[start:end])(done.vocabulary)
        return (done.vocabulary[done.term_ids[start]],) if end > start else ()

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        analyses = self._analyses
        for article, span in zip(self._article, self._span, strict=True):
            yield analyses[article].terms(span)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(
            a == tuple(b) for a, b in zip(self, other, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]
