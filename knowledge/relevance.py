"""How well each article as a whole matches a question: a sentence is also found through its article.

A sentence answering a question often leaves out what the question names because its article
already said it: "I would say the meeting was a 12" never repeats "Busan", "wrapped up at Rosenbad"
never repeats "Stockholm". BM25 over sentences cannot see that; BM25 over articles can. Articles are
scored from the sentence index itself (no second index): an article's term frequency is the number
of its sentences holding the term, its length its number of sentences.

What counts for a sentence is what its article adds to it: the terms it lacks and its article
holds ("Busan"), as far as they make that article match. Scores are relative to the best article's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.index import KnowledgeBase

try:  # the compiled pass (knowledge/_rows.c, built on install); else the NumPy path
    from knowledge import _rows as _compiled
except ImportError:  # pragma: no cover - no C compiler where the project was installed
    _compiled = None

K1 = 1.2  # saturation: the fifth sentence naming "Busan" says less than the first
B = 0.5  # a long article names more terms by its length alone


class ArticleRelevance(Mapping[str, dict[str, float]]):
    """Article source → what each question term adds to its BM25 score over articles, over the
    best article's whole score (an article's values sum to 1 at most). Worked out per article
    when asked: a question looks up the articles of its candidates only, not all of them.

    Looked up once per candidate, a few hundred times a question: each term's scores are read
    through a ``memoryview`` (a Python float per read, where indexing the array makes a NumPy
    scalar first), and ``get`` is direct (``Mapping.get`` goes through a ``KeyError``)."""

    def __init__(
        self, kb: KnowledgeBase, terms: list[str], parts: npt.NDArray[np.float64], best: float
    ) -> None:
        """``parts``: what each of ``terms`` adds to each article's score (a row a term)."""
        self._kb = kb
        self._number = kb.sentences.article_number
        self._parts = tuple(zip(terms, map(memoryview, parts), strict=True))
        self._terms = terms
        self._matrix = parts
        self._best = best
        self._found: dict[str, dict[str, float]] = {}

    def __getitem__(self, source: str) -> dict[str, float]:
        found = self._found.get(source)
        if found is None:
            found = self._of(source)
            if found is None:
                raise KeyError(source)
        return found

    def get(self, source: str, default: Any = None) -> Any:
        found = self._found.get(source)
        if found is None:
            found = self._of(source)
        return default if found is None else found

    def _of(self, source: str) -> dict[str, float] | None:
        at = self._number(source)
        if at is None:
            return None
        best = self._best
        found = {t: v[at] / best for t, v in self._parts if v[at] > 0}
        self._found[source] = found
        return found

    def columns(
        self, numbers: npt.NDArray[np.integer]
    ) -> tuple[list[str], npt.NDArray[np.float64]]:
        """For the articles numbered ``numbers``: the terms in the order ``get`` lists them, and
        each term's share for each article (a row a term; the floats ``get`` gives, 0 where
        ``get`` leaves the term out: an article not holding it): ``get`` for many at once."""
        return self._terms, self._matrix[:, numbers] / self._best

    def matrix(self) -> tuple[list[str], npt.NDArray[np.float64], float]:
        """The terms in the order ``get`` lists them, what each adds to each article's score (a
        row a term, a column an article by number) and the best article's whole score: a share
        of ``get`` is that over this."""
        return self._terms, self._matrix, self._best

    def __iter__(self) -> Iterator[str]:
        return (a.source for a in self._kb.articles if self[a.source])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def article_relevance(kb: KnowledgeBase, terms: Iterable[str]) -> Mapping[str, dict[str, float]]:
    """Each article's relevance to the question terms (see ``ArticleRelevance``); empty when no
    article holds any of them. Costs the terms' postings and a few passes over the articles, not
    the sentences."""
    count = len(kb.articles)
    if not len(kb.sentences) or count == 0:
        return {}
    articles, norm = _length_norms(kb)
    held = [term for term in set(terms) if kb.articles_holding(term)]
    if not held:
        return {}
    df = [kb.articles_holding(term) for term in held]
    idf = [math.log(1 + (articles - d + 0.5) / (d + 0.5)) for d in df]
    parts, best = _parts([kb.article_counts(term) for term in held], idf, norm)
    if best <= 0:
        return {}
    return ArticleRelevance(kb, held, parts, best)


def _parts(
    counts: list[npt.NDArray[np.int32]], idf: list[float], norm: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], float]:
    """What each term adds to each article's score (a row a term: ``idf · tf · (K1 + 1) / (tf +
    norm)``, in that order) and the best article's sum of them, added term after term: in one
    compiled pass (``knowledge/_rows.c``), else the same operations over arrays."""
    if _compiled is not None:
        parts = np.empty((len(counts), len(norm)))
        best = _compiled.parts(np.array(counts, dtype=np.int32), np.array(idf), norm, K1 + 1, parts)
        return parts, best
    # every term at once, a row a term: the same operations, element by element, as one term
    # at a time
    tf = np.array(counts, dtype=np.float64)
    parts = np.array(idf)[:, None] * tf  # then, in place: × (K1 + 1) / (tf + norm)
    parts *= K1 + 1
    tf += norm
    parts /= tf
    total = parts[0].copy()
    for row in parts[1:]:  # in order: the floats of summing them one after another
        total += row
    return parts, float(total.max())


def _length_norms(kb: KnowledgeBase) -> tuple[int, npt.NDArray[np.float64]]:
    """The articles with a sentence, and each article's length norm (BM25's ``K1 · (1 - B + B ·
    length / average length)``): the knowledge base's alone, worked out once (``memo``)."""
    found = kb.memo.get("relevance.length_norms")
    if found is None:
        lengths = kb.article_lengths
        present = lengths > 0
        norm = K1 * (1 - B + B * lengths / float(lengths[present].mean()))
        found = kb.memo["relevance.length_norms"] = (int(present.sum()), norm)
    return found  # type: ignore[return-value]
