"""The knowledge base's corpus as numbers for ``BM25Scorer.from_rows``, straight from the articles'
analyses: no tuple of terms is made per sentence.

Each article's analysis numbers its own distinct terms. Here they get numbers for the whole
knowledge base, first in order of each article's vocabulary, then renumbered in order of first
occurrence among the kept sentences: the order in which rank_bm25 meets them, which the scorer's
rows must follow (it decides the idf floor of Okapi, see knowledge/scoring.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from knowledge.index import ArticleAnalysis

# Elements per call of the renumbering's whole-array steps: a call over ten million holds the
# GIL for tens of milliseconds, and the event loop waits meanwhile.
_CHUNK = 1 << 20
_IDS = {"H": np.uint16, "I": np.uint32}


def term_rows(
    analyses: Sequence[ArticleAnalysis], article: array[int], span: array[int]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]:
    """(row of each term occurrence, documents one after another; each document's length; the
    term of each row) for the sentences whose article is ``analyses[article[i]]`` and whose
    span there is ``span[i]``. Rows are numbered in order of first occurrence."""
    n = len(span)
    articles = np.frombuffer(article, dtype=np.int32)
    spans = np.frombuffer(span, dtype=np.int32).astype(np.int64)
    # an article's sentences are consecutive: one group of sentences per article
    cuts = [0, *(np.flatnonzero(articles[1:] != articles[:-1]) + 1).tolist(), n]
    groups = [(first, last) for first, last in pairwise(cuts) if first < last]
    lengths = np.zeros(n, dtype=np.int64)
    for first, last in groups:  # first the lengths: the rows' array is made once, whole
        ends = np.frombuffer(analyses[int(articles[first])].term_ends, dtype=np.uint32)
        kept = spans[first:last]
        lengths[first:last] = ends[kept] - np.concatenate(([0], ends[:-1]))[kept]
    provisional = np.empty(int(lengths.sum()), dtype=np.int64)
    numbering: dict[str, int] = {}
    at = 0
    for first, last in groups:
        done = analyses[int(articles[first])]
        known = np.fromiter(
            (numbering.setdefault(t, len(numbering)) for t in done.vocabulary),
            dtype=np.int64,
            count=len(done.vocabulary),
        )
        ids = np.frombuffer(done.term_ids, dtype=_IDS[done.term_ids.typecode])
        ends = np.frombuffer(done.term_ends, dtype=np.uint32).astype(np.int64)
        kept = spans[first:last]
        sizes = lengths[first:last]
        begins = np.concatenate(([0], ends[:-1]))[kept]
        total = int(sizes.sum())
        # each kept span's positions in ``ids``: begins[k], begins[k] + 1, ... < ends[k]
        shift = np.repeat(begins - (np.cumsum(sizes) - sizes), sizes)
        provisional[at : at + total] = known[ids[np.arange(total, dtype=np.int64) + shift]]
        at += total
    names = list(numbering)
    first_seen = np.full(len(names), len(provisional), dtype=np.int64)
    for at in range(0, len(provisional), _CHUNK):
        np.minimum.at(
            first_seen,
            provisional[at : at + _CHUNK],
            np.arange(at, min(at + _CHUNK, len(provisional)), dtype=np.int64),
        )
    used = np.flatnonzero(first_seen < len(provisional))  # not every term is in a kept span
    order = used[np.argsort(first_seen[used], kind="stable")]
    row_of = np.zeros(len(names), dtype=np.int64)
    row_of[order] = np.arange(len(order), dtype=np.int64)
    for at in range(0, len(provisional), _CHUNK):  # in place: no second array of that size
        chunk = provisional[at : at + _CHUNK]
        chunk[:] = row_of[chunk]
    return provisional, lengths, [names[i] for i in order.tolist()]
