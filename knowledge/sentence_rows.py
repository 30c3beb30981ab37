"""Each sentence's terms as the scorer's row numbers, in order, in one flat array: which of a
question's terms many sentences hold, and which pairs of them side by side, in a few NumPy steps.

A question's candidates are asked about its own few terms only. From the postings that is one
binary search per term in its whole posting list (cache misses in a list of 100,000 at a million
sentences); from a sentence's own few terms it is one read each. And whether two question words
stand side by side needs the order of a sentence's terms, which the postings do not keep:
``KnowledgeBase.terms`` made each candidate's tuple of strings for it. 2 bytes a term (4 past
65,535 distinct terms) and 4 a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

try:  # the compiled pass (knowledge/_rows.c, built on install); else the NumPy path
    from knowledge import _rows as _compiled
except ImportError:  # pragma: no cover - no C compiler where the project was installed
    _compiled = None


def counts_in_ranges(
    ids: npt.NDArray[np.int32], starts: npt.NDArray[np.int64]
) -> npt.NDArray[np.int32] | None:
    """How many of ``ids`` (ascending) fall in each range ``starts[n]`` to ``starts[n + 1]``
    (ascending): one merge of the two, compiled (``knowledge/_rows.c``); None where it is not
    built."""
    if _compiled is None or ids.dtype != np.int32:
        return None
    out = np.empty(len(starts) - 1, dtype=np.int32)
    _compiled.counts(np.ascontiguousarray(ids), np.ascontiguousarray(starts, dtype=np.int64), out)
    return out


class SentenceRows:
    """The rows of each sentence's terms (``BM25Scorer`` rows), repeats and order kept."""

    __slots__ = ("_rows", "_starts")

    def __init__(self, rows: npt.NDArray[np.integer], lengths: npt.NDArray[np.integer]) -> None:
        """``rows``: each term occurrence's row, sentences one after another; ``lengths``: how
        many each sentence has (``term_rows``)."""
        narrow = not len(rows) or int(rows.max()) <= np.iinfo(np.uint16).max
        self._rows = np.asarray(rows).astype(np.uint16 if narrow else np.int32)
        ends = np.cumsum(lengths, dtype=np.int64)
        self._starts = np.concatenate(([0], ends)).astype(
            np.int32 if not len(ends) or ends[-1] <= np.iinfo(np.int32).max else np.int64
        )

    def __len__(self) -> int:
        return len(self._starts) - 1

    @property
    def nbytes(self) -> int:
        return self._rows.nbytes + self._starts.nbytes

    def held(
        self,
        ids: npt.NDArray[np.integer],
        wanted: Sequence[int | None],
        pairs: Sequence[tuple[int, int]] = (),
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """For each of sentences ``ids``: a bit k for each of ``wanted`` (at most 63 rows; None,
        a term no sentence holds) it holds, and how many of ``pairs`` (rows a, b; at most 64)
        it holds as a term and the one after it."""
        ids = np.asarray(ids, dtype=np.int64)
        if _compiled is None or len(pairs) > 64:
            runs = self.of(ids)
            return runs.masks(wanted), runs.side_by_side(pairs)
        masks = np.zeros(len(ids), dtype=np.int64)
        together = np.zeros(len(ids), dtype=np.int64)
        rows = np.array([-1 if row is None else row for row in wanted], dtype=np.int64)
        flat = np.array(pairs, dtype=np.int64).reshape(-1)
        _compiled.held(self._starts, self._rows, ids, rows, flat, masks, together)
        return masks, together

    def of(self, ids: npt.NDArray[np.integer]) -> Runs:
        """The rows of sentences ``ids``, one sentence after another."""
        ids = np.asarray(ids, dtype=np.int64)
        starts = self._starts[ids].astype(np.int64)
        lengths = self._starts[ids + 1] - starts
        begins = np.cumsum(lengths) - lengths  # where each sentence's run begins among them
        at = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - begins, lengths)
        owner = np.repeat(np.arange(len(ids), dtype=np.int64), lengths)
        return Runs(self._rows[at].astype(np.int64), owner, begins, lengths)


@dataclass(frozen=True)
class Runs:
    """Some sentences' rows one after another (``SentenceRows.of``)."""

    rows: npt.NDArray[np.int64]
    owner: npt.NDArray[np.int64]  # for each row, the number of its sentence among them
    begins: npt.NDArray[np.int64]  # where each sentence's rows begin
    lengths: npt.NDArray[np.int64]

    def masks(self, wanted: Sequence[int | None]) -> npt.NDArray[np.int64]:
        """For each sentence, a bit for each of ``wanted`` (at most 63 rows; None, a term no
        sentence holds) that it holds: bit k for ``wanted[k]``."""
        known = [(row, k) for k, row in enumerate(wanted) if row is not None]
        out = np.zeros(len(self.lengths), dtype=np.int64)
        if not known or not len(self.rows):
            return out
        known.sort()
        rows = np.array([row for row, _ in known], dtype=np.int64)
        bits = np.int64(1) << np.array([k for _, k in known], dtype=np.int64)
        at = np.searchsorted(rows, self.rows)
        found = rows.take(at, mode="clip") == self.rows
        each = np.append(np.where(found, bits.take(at, mode="clip"), 0), 0)
        # a sentence of no terms would get the next one's first: 0 for it
        return np.where(self.lengths > 0, np.bitwise_or.reduceat(each, self.begins), 0)

    def side_by_side(self, pairs: Sequence[tuple[int, int]]) -> npt.NDArray[np.int64]:
        """For each sentence, how many of ``pairs`` (rows a, b) it holds as a term then the next."""
        count = np.zeros(len(self.lengths), dtype=np.int64)
        if not pairs or len(self.rows) < 2:
            return count
        same = self.owner[:-1] == self.owner[1:]
        first, then = self.rows[:-1], self.rows[1:]
        for a, b in pairs:
            found = self.owner[:-1][same & (first == a) & (then == b)]
            count += np.bincount(found, minlength=len(count)) > 0
        return count
