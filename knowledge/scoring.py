"""BM25 over an inverted index, with rank-bm25 0.2.2 as the definition of the scores.

rank_bm25's ``get_scores`` walks every document in Python for every query term (about 0.1 s a
question at 100,000 documents). ``BM25Scorer`` works out once, with rank_bm25's own formulas, what
each term adds to each document that contains it, and keeps those numbers as postings; a query
then touches only the documents that contain its terms.

What rank_bm25 0.2.2 defines, and this module reproduces:

- idf is computed by rank_bm25's own ``_calc_idf`` from document frequencies counted here, handed
  over in the order rank_bm25 would have counted them (first occurrence in the corpus). The order
  matters: Okapi floors a negative idf at ``epsilon * average_idf``, and that average is a float
  sum over the dict taken before the floor. The floor can itself be negative (for example in a
  one-document corpus). A term in exactly half the documents gets idf 0, which the floor
  (``idf < 0``) does not touch.
- A query term unknown to the corpus adds nothing (``idf.get(q) or 0``); a repeated term counts
  once per repeat.
- A document without the term: Okapi and BM25L add 0 (rank_bm25's BM25L multiplies by the term
  frequency), BM25Plus adds ``idf * delta``. That per-query constant is ``base_score`` and is added
  to every document instead of being stored.

With ``dtype=np.float64`` Okapi and BM25L scores equal ``get_scores`` bit for bit (the same
additions in the same order); Plus (the base is summed apart) and float32 postings agree to
rounding.
"""

from __future__ import annotations

import math
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25, BM25L, BM25Okapi, BM25Plus

try:  # the compiled inner loop (knowledge/_topk.c, built on install); else the NumPy path
    from knowledge import _topk as _compiled
except ImportError:  # pragma: no cover - no C compiler where the project was installed
    _compiled = None

VARIANTS: Final[dict[str, type[BM25]]] = {"okapi": BM25Okapi, "plus": BM25Plus, "l": BM25L}
DEFAULT_DELTA: Final[dict[str, float]] = {"plus": 1.0, "l": 0.5}  # rank_bm25's own defaults

# top_k's pruning (see BM25Scorer._skippable): queries with fewer postings than this are summed
# whole (finding what to skip would cost more than it saves); the pilot that sets the first
# k-th best score holds at most this many documents.
_PRUNE_MIN_POSTINGS = 20_000
_PILOT_DOCS = 1_024
# Relative slack on score bounds: ``_best`` is taken from float64 weights, stored ones may be
# float32 (rounded up by up to 6e-8), and sums are rounded too.
_BOUND_SLACK = 1e-6

# Documents per pass of the build's Python-level loops (about 1e5 tokens, a few ms of GIL).
_CHUNK_DOCS = 10_000
# Postings per pass of the build's weight formula (bounds its temporaries to a few MB each).
_CHUNK_POSTINGS = 1 << 20

_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_VALUES = np.zeros(0, dtype=np.float64)


def rank_bm25_model(
    corpus: Sequence[Sequence[str]],
    variant: str = "okapi",
    *,
    k1: float = 1.5,
    b: float = 0.75,
    epsilon: float = 0.25,
    delta: float | None = None,
) -> BM25:
    """The plain rank_bm25 object with these settings: the reference for tests and small corpora."""
    cls = _variant_class(variant)
    if variant == "okapi":
        return cls(corpus, k1=k1, b=b, epsilon=epsilon)
    return cls(corpus, k1=k1, b=b, delta=DEFAULT_DELTA[variant] if delta is None else delta)


class BM25Scorer:
    """Immutable BM25 index; queries are thread-safe (each thread has its own scratch buffer).

    Postings are stored per term, concatenated: ``_docs[_offsets[r]:_offsets[r + 1]]`` are the
    documents (ascending) containing term row ``r`` and ``_weights`` the same slice's score
    contributions, minus what a document without the term gets.
    """

    __slots__ = (
        "_best",
        "_dict_bytes",
        "_docs",
        "_idf",
        "_local",
        "_offsets",
        "_rows",
        "_weights",
        "avgdl",
        "b",
        "corpus_size",
        "delta",
        "epsilon",
        "k1",
        "variant",
    )

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        variant: str = "okapi",
        *,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        delta: float | None = None,
        dtype: npt.DTypeLike = np.float32,
    ) -> None:
        """Index ``corpus`` (one token list per document); ``dtype`` is that of stored weights.

        float32 halves the postings' memory for a relative error near 1e-7; float64 makes Okapi
        and BM25L scores identical to rank_bm25's. ``delta`` defaults to rank_bm25's default of
        the variant; ``epsilon`` is used by Okapi only, ``delta`` by Plus and BM25L only.
        """
        self._settings(variant, k1, b, epsilon, delta)
        docs = corpus if isinstance(corpus, Sequence) else list(corpus)
        n = len(docs)
        # Python-level passes go by chunks of documents: a pass of C calls alone (map over a
        # million tokens) holds the GIL throughout, and would stall an event loop meanwhile.
        chunks = [docs[i : i + _CHUNK_DOCS] for i in range(0, n, _CHUNK_DOCS)]
        lengths = np.empty(n, dtype=np.int64)
        for i, chunk in enumerate(chunks):
            lengths[i * _CHUNK_DOCS : i * _CHUNK_DOCS + len(chunk)] = np.fromiter(
                map(len, chunk), dtype=np.int64, count=len(chunk)
            )
        total = int(lengths.sum())

        # Rows in order of first occurrence: the order in which rank_bm25 fills its df dict.
        numbering: defaultdict[Any, int] = defaultdict(int)
        numbering.default_factory = numbering.__len__
        row_of = numbering.__getitem__
        token_rows = np.empty(total, dtype=np.int64)
        at = 0
        for chunk in chunks:
            count = sum(map(len, chunk))
            token_rows[at : at + count] = np.fromiter(
                map(row_of, chain.from_iterable(chunk)), dtype=np.int64, count=count
            )
            at += count
        del chunks
        rows: dict[Any, int] = dict(numbering)  # plain dict: unknown lookups add nothing
        del numbering
        self._index(token_rows, lengths, rows, dtype)

    @classmethod
    def from_rows(
        cls,
        token_rows: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int64],
        terms: Sequence[str],
        variant: str = "okapi",
        *,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        delta: float | None = None,
        dtype: npt.DTypeLike = np.float32,
    ) -> BM25Scorer:
        """The scorer of a corpus given as numbers: each token's row (documents one after
        another; ``lengths`` says where each ends), rows numbered by first occurrence in the
        corpus, ``terms[row]`` the term of a row. Equal to ``BM25Scorer`` of the token lists.

        ``token_rows`` is used up: it becomes the build's sort keys (saving a copy).
        """
        scorer = cls.__new__(cls)
        scorer._settings(variant, k1, b, epsilon, delta)
        rows = {term: row for row, term in enumerate(terms)}
        if len(rows) != len(terms):
            raise ValueError("terms: each term once")
        scorer._index(token_rows, lengths, rows, dtype)
        return scorer

    def _settings(
        self, variant: str, k1: float, b: float, epsilon: float, delta: float | None
    ) -> None:
        _variant_class(variant)  # a known variant
        self.variant = variant
        self.k1 = float(k1)
        self.b = float(b)
        self.epsilon = float(epsilon)
        self.delta = float(DEFAULT_DELTA.get(variant, 0.0) if delta is None else delta)
        self._local = threading.local()

    def _index(
        self,
        token_rows: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int64],
        rows: dict[Any, int],
        dtype: npt.DTypeLike,
    ) -> None:
        """Postings, idf and bounds from each token's row (rows in order of first occurrence)."""
        weight_type = np.dtype(dtype)
        if weight_type not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError("dtype: expected float32 or float64")
        cls = _variant_class(self.variant)
        n = len(lengths)
        if n >= 2**31:
            raise ValueError("corpus: at most 2**31 - 1 documents (doc ids are int32)")
        self.corpus_size = n
        # rank_bm25 divides Python ints; an empty corpus (where it divides by zero) gets 0.0.
        self.avgdl = int(lengths.sum()) / n if n else 0.0
        self._rows = rows
        vocabulary = len(rows)

        term_of, doc_of, tf = _term_doc_counts(token_rows, lengths)
        del token_rows
        df = np.bincount(term_of, minlength=vocabulary)
        offsets = np.zeros(vocabulary + 1, dtype=np.int64)
        np.cumsum(df, out=offsets[1:])

        if vocabulary:
            model = _idf_model(cls, n, self.avgdl, self.k1, self.b, self.epsilon, self.delta)
            model._calc_idf(dict(zip(self._rows, df.tolist(), strict=True)))
            idf = np.fromiter(model.idf.values(), dtype=np.float64, count=vocabulary)
            # By chunks of postings: whole, the float64 temporaries of the formula were several
            # times the postings' size (the build's peak). Each posting's value is the same.
            weights = np.empty(len(term_of), dtype=weight_type)
            best = np.full(vocabulary, -np.inf)
            for at in range(0, len(term_of), _CHUNK_POSTINGS):
                part = slice(at, at + _CHUNK_POSTINGS)
                exact = self._contributions(idf[term_of[part]], tf[part], lengths[doc_of[part]])
                weights[part] = exact
                np.maximum.at(best, term_of[part], exact)  # from float64, as stored or not
            # A document without the term gets 0 over the base: the best is never below that.
            best = np.where(df < n, np.maximum(best, 0.0), best)
        else:  # no tokens at all: every score is 0 (rank_bm25 raises or returns NaN here)
            idf = best = weights = _EMPTY_VALUES
        self._idf = _frozen(idf)
        self._best = _frozen(best)
        self._offsets = _frozen(offsets)
        self._docs = _frozen(doc_of)
        self._weights = _frozen(weights)
        self._dict_bytes = sys.getsizeof(self._rows)

    def _contributions(
        self, idf: np.ndarray, tf: np.ndarray, doc_len: np.ndarray
    ) -> npt.NDArray[np.float64]:
        """Each posting's addend, written exactly as in rank_bm25's get_scores (same float ops)."""
        k1, b, avgdl, delta = self.k1, self.b, self.avgdl, self.delta
        if self.variant == "okapi":
            return idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl)))
        if self.variant == "plus":  # minus idf * delta, which every document gets (base_score)
            return idf * (tf * (k1 + 1) / (k1 * (1 - b + b * doc_len / avgdl) + tf))
        ctd = tf / (1 - b + b * doc_len / avgdl)
        return idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)

    # --- statistics -------------------------------------------------------------------------

    @property
    def vocabulary_size(self) -> int:
        return len(self._rows)

    @property
    def nbytes(self) -> int:
        """Index memory: postings, per-term arrays and the term dict's table.

        Not counted: the term strings, which are the corpus's own token objects (about 50 bytes
        a distinct term if the corpus is dropped), and the scratch of each querying thread (a
        float64 vector and a bool mask: 9 bytes a document).
        """
        arrays = (self._docs, self._weights, self._offsets, self._idf, self._best)
        return sum(a.nbytes for a in arrays) + self._dict_bytes

    def idf(self, term: str) -> float:
        """rank_bm25's idf (after Okapi's floor); 0.0 for a term not in the corpus."""
        row = self._rows.get(term)
        return 0.0 if row is None else self._idf.item(row)

    def doc_freq(self, term: str) -> int:
        """Number of documents containing ``term``."""
        row = self._rows.get(term)  # .item(): no numpy scalars (answers call this ~700 times)
        return 0 if row is None else self._offsets.item(row + 1) - self._offsets.item(row)

    def terms_in_at_least(self, count: int) -> list[str]:
        """The terms found in at least ``count`` documents."""
        frequent = np.flatnonzero(np.diff(self._offsets) >= count).tolist()
        if not frequent:
            return []
        term_of = {row: term for term, row in self._rows.items()}
        return [term_of[row] for row in frequent]

    def row(self, term: str) -> int | None:
        """The term's row (its number in the index), None for a term no document holds."""
        return self._rows.get(term)

    def docs_with(self, term: str) -> np.ndarray:
        """Ids of the documents containing ``term``, ascending (a read-only view)."""
        row = self._rows.get(term)
        return _EMPTY_IDS if row is None else self._docs[self._slice(row)]

    def holding(self, term: str, doc_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """For each of ``doc_ids``, whether that document contains ``term``: one binary search
        of the term's postings for all of them (a few microseconds for a few hundred ids)."""
        docs = self.docs_with(term)
        if not len(docs) or not len(doc_ids):
            return np.zeros(len(doc_ids), dtype=bool)
        # the ids as the postings' own type: searched with wider ids, NumPy would first copy
        # every posting of the term to that type (100,000 of a common term at 1M sentences)
        ids = np.asarray(doc_ids).astype(docs.dtype, copy=False)
        at = np.minimum(np.searchsorted(docs, ids), len(docs) - 1)
        return docs[at] == ids

    def matched(self, query_terms: Iterable[str], doc_id: int) -> set[str]:
        """The query terms that document ``doc_id`` contains."""
        found: set[str] = set()
        for term in set(query_terms):
            docs = self.docs_with(term)
            at = int(np.searchsorted(docs, doc_id))
            if at < len(docs) and docs[at] == doc_id:
                found.add(term)
        return found

    # --- scoring ----------------------------------------------------------------------------

    def base_score(self, query_terms: Iterable[str]) -> float:
        """What every document scores, matching or not: Σ idf·delta for Plus, else 0."""
        return self._base(self._known(query_terms))

    def max_possible(self, query_terms: Iterable[str]) -> float:
        """An upper bound on any document's score: base plus each term's best contribution.

        It is reached when one document holds the best contribution of every term; a
        one-term query always reaches it.
        """
        rows = self._known(query_terms)
        return self._base(rows) + sum(float(self._best[r]) for r in rows)

    def scores(self, query_terms: Iterable[str]) -> npt.NDArray[np.float64]:
        """Scores of all documents, equal to rank_bm25's ``get_scores(query_terms)``."""
        rows = self._known(query_terms)
        out = np.zeros(self.corpus_size, dtype=np.float64)
        for row in rows:  # per repeat, in query order: the additions get_scores makes
            part = self._slice(row)
            out[self._docs[part]] += self._weights[part]
        base = self._base(rows)
        if base:
            out += base
        return out

    def top_k(self, query_terms: Iterable[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best ``(doc_id, score)``, best first, ties to the lower id.

        The same order (and the same floats) as sorting ``scores()`` by (-score, id), without
        building that vector: only documents containing a query term are looked at, and of a
        long query's most common terms only the postings of documents that can still make the
        top ``k`` are added (MaxScore pruning, exact).
        """
        k = min(k, self.corpus_size)
        if k <= 0:
            return []
        rows = self._known(query_terms)
        base = self._base(rows)
        if rows and _compiled is not None:  # in C, skipping what cannot reach the k best
            found, above = _compiled.top_k(
                self._offsets, self._docs, self._weights, rows, k, base, self._scratch(), None,
                self._best,
            )
            if above >= k:
                return found
        elif rows:  # the common case: at least k documents score above the base
            quick = self._quick_top_k(rows, base, k)
            if quick is not None:
                return quick
        ids, values = self._touched(rows)
        if base:
            values = values + base
        above = values > base
        found = _best_first(ids[above], values[above], k)
        if len(found) < k:  # then documents at the base score, lowest ids first
            away = ids[values != base]
            wanted = k - len(found)
            limit = min(self.corpus_size, wanted + len(away))
            free = np.ones(limit, dtype=bool)
            free[away[away < limit]] = False
            found += [(i, base) for i in np.flatnonzero(free)[:wanted].tolist()]
        if len(found) < k:  # negative contributions (Okapi's floor can be negative)
            below = values < base
            found += _best_first(ids[below], values[below], k - len(found))
        return found

    def mixed_top_k(
        self, parts: Sequence[tuple[Iterable[str], float]], k: int
    ) -> list[tuple[int, float]]:
        """The ``k`` documents best by the weighted sum, over ``(terms, weight)`` parts, of what
        each part's terms add above its base score; only those above 0, best first, ties to the
        lower id. A follow-up question's own terms mixed with the earlier question's at a lower
        weight: one pass over their postings, not two dense score vectors."""
        rows: list[int] = []
        scales: list[float] = []
        for terms, weight in parts:
            known = self._known(terms)
            rows += known
            scales += [float(weight)] * len(known)
        k = min(k, self.corpus_size)
        if not rows or k <= 0:
            return []
        if _compiled is not None:
            found, _ = _compiled.top_k(
                self._offsets, self._docs, self._weights, rows, k, 0.0, self._scratch(), scales,
                self._best,
            )
            return found
        sums = np.zeros(self.corpus_size, dtype=np.float64)
        for row, scale in zip(rows, scales, strict=True):
            part = self._slice(row)
            sums[self._docs[part]] += scale * self._weights[part].astype(np.float64)
        best = np.flatnonzero(sums > 0)
        best = best[np.lexsort((best, -sums[best]))][:k]
        return [(int(i), float(sums[i])) for i in best]

    # --- internals --------------------------------------------------------------------------

    def _quick_top_k(self, rows: list[int], base: float, k: int) -> list[tuple[int, float]] | None:
        """``top_k`` when at least ``k`` documents score above the base, else None.

        Sums build up in a per-thread dense buffer by one ``np.add.at`` over postings
        concatenated in query order (repeats too): per document, the additions ``scores()``
        makes, in its order, so the floats are identical.

        Terms that cannot decide the top ``k`` on their own (``_skippable``) add only at the
        documents of the other, essential terms (found with a per-thread mask): no other
        document can reach the top ``k``. The sums are read (and the buffer reset) at the
        documents of each essential term at once, so a document under several of them is read
        several times: the ``k * terms`` best readings hold at least ``k`` distinct documents,
        and the readings of one document are neighbours once sorted by (-score, id).
        """
        offsets, docs, weights = self._offsets, self._docs, self._weights
        unique = list(dict.fromkeys(rows))
        spans = {r: (offsets.item(r), offsets.item(r + 1)) for r in unique}
        skip, outside = self._skippable(rows, unique, spans, k)
        essential = [r for r in unique if r not in skip]
        if len(rows) == 1:  # 0.0 + w is w: the weights are the sums
            start, end = spans[rows[0]]
            ids = docs[start:end]
            values = weights[start:end].astype(np.float64)
        else:
            if len(essential) == 1:
                ids = docs[slice(*spans[essential[0]])]
            else:
                ids = np.concatenate([docs[slice(*spans[r])] for r in essential])
            buffer, mask = self._scratch(), self._mask() if skip else None
            try:
                if mask is not None:
                    mask[ids] = True
                postings: list[np.ndarray] = []
                addends: list[np.ndarray] = []
                for row in rows:
                    part = slice(*spans[row])
                    if row in skip:
                        hit = mask[docs[part]]  # type: ignore[index]
                        postings.append(docs[part][hit])
                        addends.append(weights[part][hit])
                    else:
                        postings.append(docs[part])
                        addends.append(weights[part])
                if mask is not None:
                    mask[ids] = False
                # float64 on both sides: np.add.at's fast path (mixed types are far slower)
                np.add.at(buffer, np.concatenate(postings), np.concatenate(addends, dtype=float))
                values = buffer[ids]
                buffer[ids] = 0.0
            except BaseException:  # possibly dirty: never reuse them
                self._local.buffer = self._local.mask = None
                raise
        if base:
            values += base
        wanted = k * len(essential)
        floor = math.nextafter(base, math.inf)
        if len(values) > wanted:
            floor = max(floor, float(np.partition(values, len(values) - wanted)[-wanted]))
        keep = values >= floor
        ids, values = ids[keep], values[keep]
        order = np.lexsort((ids, -values))
        found: list[tuple[int, float]] = []
        last = -1
        for doc, value in zip(ids[order].tolist(), values[order].tolist(), strict=True):
            if doc != last:  # not a repeated reading of the same document
                found.append((doc, value))
                if len(found) == k:
                    # With terms skipped, the k-th score must beat any document left out (all
                    # of them below ``outside``, the base added: so no tie can decide either).
                    return found if not skip or value > outside + base else None
                last = doc
        return None

    def _skippable(
        self, rows: list[int], unique: list[int], spans: dict[int, tuple[int, int]], k: int
    ) -> tuple[frozenset[int], float]:
        """Terms whose bounds add up to less than some ``k``-th best score (MaxScore), and a
        bound above any sum of their contributions; none for small queries.

        The first ``k``-th best score comes from scoring a pilot of documents of the rarest
        terms exactly. A document holding none of the other terms scores at most the sum of
        the skipped terms' bounds (``_best`` times repeats) over the base: below that score.
        """
        if len(unique) < 2:
            return frozenset(), 0.0
        df = {r: b - a for r, (a, b) in spans.items()}
        if sum(df[r] for r in rows) < _PRUNE_MIN_POSTINGS:
            return frozenset(), 0.0
        best = self._best
        bound = dict.fromkeys(unique, 0.0)
        for row in rows:
            bound[row] += best.item(row)
        if min(bound.values()) < 0:  # Okapi, a term in every document: keep it simple
            return frozenset(), 0.0
        pilot = self._pilot(sorted(unique, key=df.__getitem__), k)
        sums = self._exact_sums(rows, pilot)
        if len(sums) < k:
            return frozenset(), 0.0
        theta = float(np.partition(sums, len(sums) - k)[len(sums) - k])
        skipped = 0.0
        skip: list[int] = []
        for row in sorted(unique, key=bound.__getitem__)[:-1]:  # one essential term at least
            total = skipped + bound[row]
            if total * (1 + _BOUND_SLACK) >= theta * (1 - _BOUND_SLACK):
                break
            skipped = total
            skip.append(row)
        return frozenset(skip), math.nextafter(skipped * (1 + _BOUND_SLACK), math.inf)

    def _pilot(self, rarest_first: list[int], k: int) -> np.ndarray:
        """Up to ``_PILOT_DOCS`` documents of the rarest terms (sorted, distinct): the best
        weighted of a term that does not fit whole."""
        parts: list[np.ndarray] = []
        size = 0
        for row in rarest_first:
            part = self._slice(row)
            docs = self._docs[part]
            room = _PILOT_DOCS - size
            if len(docs) > room:
                if room >= k or not parts:
                    room = min(max(room, k), len(docs))
                    weights = self._weights[part]
                    pick = np.argpartition(weights, len(weights) - room)[len(weights) - room :]
                    parts.append(np.sort(docs[pick]))
                break
            parts.append(docs)
            size += len(docs)
        return _union(parts)

    def _exact_sums(self, rows: list[int], candidates: np.ndarray) -> npt.NDArray[np.float64]:
        """Sums of contributions of sorted distinct ``candidates``, added as ``scores()`` adds
        them: per query term (repeats too) in query order, float64 (adding 0.0 changes none)."""
        sums = np.zeros(len(candidates), dtype=np.float64)
        if not len(candidates):
            return sums
        for row in rows:
            part = self._slice(row)
            docs = self._docs[part]
            if not len(docs):
                continue
            weights = self._weights[part]
            if len(docs) <= len(candidates):  # look the term's documents up among candidates
                at = np.searchsorted(candidates, docs)
                at[at == len(candidates)] = 0
                hit = candidates[at] == docs
                sums[at[hit]] += weights[hit]
            else:  # look the candidates up in the term's documents
                at = np.searchsorted(docs, candidates)
                at[at == len(docs)] = 0
                hit = docs[at] == candidates
                sums[hit] += weights[at[hit]]
        return sums

    def _known(self, query_terms: Iterable[str]) -> list[int]:
        """Rows of the query's known terms, repeats kept (unknown terms add nothing)."""
        get = self._rows.get
        return [row for row in map(get, query_terms) if row is not None]

    def _base(self, rows: list[int]) -> float:
        if self.variant != "plus":
            return 0.0
        return sum(self._idf.item(r) * self.delta for r in rows)

    def _slice(self, row: int) -> slice:
        return slice(self._offsets.item(row), self._offsets.item(row + 1))

    def _touched(self, rows: list[int]) -> tuple[np.ndarray, npt.NDArray[np.float64]]:
        """Each document with a non-zero sum of contributions, once, with that sum.

        Sums build up in a per-thread dense buffer in the order ``scores()`` adds them, so the
        floats are identical; reading a document's sum also resets it, so a document under
        several terms is reported once (its later readings are 0 and dropped).
        """
        if not rows:
            return _EMPTY_IDS, _EMPTY_VALUES
        buffer = self._scratch()
        ids: list[np.ndarray] = []
        sums: list[np.ndarray] = []
        try:
            for row in rows:
                part = self._slice(row)
                buffer[self._docs[part]] += self._weights[part]
            for row in dict.fromkeys(rows):
                docs = self._docs[self._slice(row)]
                ids.append(docs)
                sums.append(buffer[docs])
                buffer[docs] = 0.0
        except BaseException:
            self._local.buffer = None  # possibly dirty: never reuse it
            raise
        all_ids = ids[0] if len(ids) == 1 else np.concatenate(ids)
        all_sums = sums[0] if len(sums) == 1 else np.concatenate(sums)
        keep = all_sums != 0.0
        return all_ids[keep], all_sums[keep]

    def _scratch(self) -> npt.NDArray[np.float64]:
        buffer = getattr(self._local, "buffer", None)
        if buffer is None:
            buffer = self._local.buffer = np.zeros(self.corpus_size, dtype=np.float64)
        return buffer

    def _mask(self) -> npt.NDArray[np.bool_]:
        mask = getattr(self._local, "mask", None)
        if mask is None:
            mask = self._local.mask = np.zeros(self.corpus_size, dtype=bool)
        return mask


def _variant_class(variant: str) -> type[BM25]:
    try:
        return VARIANTS[variant]
    except KeyError:
        raise ValueError(f"variant: expected one of {', '.join(VARIANTS)}") from None


def _idf_model(
    cls: type[BM25], n: int, avgdl: float, k1: float, b: float, epsilon: float, delta: float
) -> BM25:
    """A rank_bm25 object holding only what ``_calc_idf`` reads.

    Its constructor would also keep a dict of term counts per document, many times the size of
    this index and slow to build at a million documents.
    """
    model = cls.__new__(cls)
    model.corpus_size, model.avgdl, model.k1, model.b = n, avgdl, k1, b
    model.epsilon, model.delta = epsilon, delta
    model.idf, model.doc_freqs, model.doc_len, model.tokenizer = {}, [], [], None
    return model


def _term_doc_counts(
    token_rows: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term row, doc id, term frequency) of each distinct pair, by term and then by doc, as
    int32 (half the memory of int64, and doc ids are stored as int32 anyway).

    Reuses ``token_rows`` as the sort keys (term row * n + doc id) to keep the build's peak down.
    """
    n = len(lengths)
    if not len(token_rows):
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32)
    keys = token_rows
    keys *= n
    at = 0
    for first in range(0, n, _CHUNK_DOCS):  # by chunks: np.repeat holds the GIL
        part = lengths[first : first + _CHUNK_DOCS]
        count = int(part.sum())
        keys[at : at + count] += np.repeat(np.arange(first, first + len(part)), part)
        at += count
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    del first
    tf = np.diff(starts, append=len(keys)).astype(np.int32)
    keys = keys[starts]
    del starts
    term_of = (keys // n).astype(np.int32)
    np.remainder(keys, n, out=keys)
    return term_of, keys.astype(np.int32), tf


def _union(parts: list[np.ndarray]) -> np.ndarray:
    """Sorted distinct ids of sorted arrays (a sort: np.unique hashes, far slower here)."""
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate(parts)
    ids.sort()
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    return ids[first]


def _best_first(ids: np.ndarray, values: np.ndarray, count: int) -> list[tuple[int, float]]:
    """Up to ``count`` (id, value) pairs by descending value, ties to the lower id."""
    if len(ids) > count:
        threshold = -np.partition(-values, count - 1)[count - 1]
        keep = values >= threshold  # ties at the threshold stay, for the id order to pick
        ids, values = ids[keep], values[keep]
    order = np.lexsort((ids, -values))[:count]
    return list(zip(ids[order].tolist(), values[order].tolist(), strict=True))


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array
