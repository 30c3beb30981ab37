"""BM25Scorer against rank_bm25 0.2.2, which defines the scores it must reproduce."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import pytest
from rank_bm25 import BM25

from knowledge import scoring
from knowledge.scoring import BM25Scorer, rank_bm25_model

VARIANTS = ("okapi", "plus", "l")
PARAMS = {
    "defaults": {},
    "tuned": {"k1": 0.9, "b": 0.4, "epsilon": 0.5, "delta": 0.7},
    "no length": {"k1": 2.0, "b": 0.0, "epsilon": 0.1, "delta": 1.5},  # b=0: many exact ties
}
UNKNOWN = ("unknown", "zzz")


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def top_k_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: with the compiled inner loop (the bot's path) and without it (the NumPy
    path, with its MaxScore pruning: what runs where no C compiler was found)."""
    if request.param == "compiled" and scoring._compiled is None:
        pytest.skip("knowledge._topk is not built")
    if request.param == "numpy":
        monkeypatch.setattr(scoring, "_compiled", None)
    return request.param


def random_corpus(
    seed: int, docs: int, vocabulary: int, longest: int, empty: float
) -> tuple[tuple[str, ...], ...]:
    """Random documents, plus planted terms: in every non-empty doc, in half the docs, in one."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocabulary)]
    corpus = []
    for i in range(docs):
        if rng.random() < empty:
            corpus.append(())
            continue
        doc = [words[j] for j in rng.integers(0, vocabulary, int(rng.integers(1, longest + 1)))]
        doc.append("every")
        if i % 2 == 0:
            doc.append("half")
        if i == 1:
            doc.extend(["once", "once"])
        rng.shuffle(doc)
        corpus.append(tuple(doc))
    return tuple(corpus)


CORPORA = {
    "small vocabulary": random_corpus(1, 40, 4, 8, empty=0.0),  # terms in most docs: idf < 0
    "large vocabulary": random_corpus(2, 60, 300, 12, empty=0.0),
    "empty documents": random_corpus(3, 41, 20, 10, empty=0.15),
}
TINY = {
    "two docs": (("a", "b"), ("a", "c")),  # Okapi: average idf < 0, so the floor is negative
    "three docs": (("a", "b", "a"), ("b", "c"), ("d",)),
    "one doc": (("x", "y", "x"),),
    "with empties": ((), ("a",), (), ("a", "b", "b")),
}


def random_queries(corpus: tuple[tuple[str, ...], ...], seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    pool = sorted({t for doc in corpus for t in doc}) + list(UNKNOWN)
    fixed = [[], ["every"], ["half"], ["once"], ["half", "half", "once"], ["unknown"]]
    drawn = [[pool[i] for i in rng.integers(0, len(pool), rng.integers(1, 8))] for _ in range(24)]
    repeats = [q + q[:2] for q in drawn[:6]]
    return fixed + drawn + repeats


@cache
def reference(corpus_name: str, variant: str, params_name: str) -> BM25:
    corpus = {**CORPORA, **TINY}[corpus_name]
    return rank_bm25_model([list(d) for d in corpus], variant, **PARAMS[params_name])


@cache
def scorer(corpus_name: str, variant: str, params_name: str, dtype: str) -> BM25Scorer:
    corpus = {**CORPORA, **TINY}[corpus_name]
    return BM25Scorer(
        [list(d) for d in corpus], variant, dtype=np.dtype(dtype), **PARAMS[params_name]
    )


def tolerance(variant: str, dtype: str, scores: np.ndarray) -> float:
    """0 where equality is exact by construction (float64 Okapi and BM25L), else rounding."""
    if dtype == "float64" and variant != "plus":
        return 0.0
    scale = float(np.max(np.abs(scores), initial=1.0))
    return scale * (1e-5 if dtype == "float32" else 1e-12)


def best_first(scores: np.ndarray, k: int) -> list[int]:
    return np.lexsort((np.arange(len(scores)), -scores))[:k].tolist()


def assert_top_k(got: list[tuple[int, float]], want: np.ndarray, k: int, tol: float) -> None:
    """Same scores rank by rank; another document only where the reference is a near tie."""
    expected = best_first(want, k)
    assert len(got) == len(expected)
    assert len({doc for doc, _ in got}) == len(got)
    for (doc, score), ref_doc in zip(got, expected, strict=True):
        assert abs(score - want[ref_doc]) <= tol
        assert doc == ref_doc or abs(want[doc] - want[ref_doc]) <= 2 * tol


CASES = [
    (c, v, p, d) for c in CORPORA for v in VARIANTS for p in PARAMS for d in ("float64", "float32")
]


@pytest.mark.parametrize(("corpus_name", "variant", "params_name", "dtype"), CASES)
def test_scores_and_top_k_equal_rank_bm25(
    corpus_name: str, variant: str, params_name: str, dtype: str
) -> None:
    model = reference(corpus_name, variant, params_name)
    index = scorer(corpus_name, variant, params_name, dtype)
    for query in random_queries(CORPORA[corpus_name], seed=len(corpus_name)):
        want = model.get_scores(query)
        got = index.scores(query)
        tol = tolerance(variant, dtype, want)
        assert got.dtype == np.float64
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=tol)
        for k in (1, 10, len(want) + 5):
            top = index.top_k(query, k)
            assert_top_k(top, want, k, tol)
            # and exactly the order (and floats) of the index's own full score vector
            assert top == [(i, float(got[i])) for i in best_first(got, k)]


@pytest.mark.parametrize("corpus_name", [*CORPORA, *TINY])
@pytest.mark.parametrize("variant", VARIANTS)
def test_statistics_are_rank_bm25s(corpus_name: str, variant: str) -> None:
    corpus = {**CORPORA, **TINY}[corpus_name]
    model = reference(corpus_name, variant, "tuned")
    index = scorer(corpus_name, variant, "tuned", "float32")
    assert index.corpus_size == model.corpus_size
    assert index.avgdl == model.avgdl
    assert index.vocabulary_size == len(model.idf)
    for term, idf in model.idf.items():
        assert index.idf(term) == idf  # exact: rank_bm25's own _calc_idf computed it
        assert index.doc_freq(term) == sum(term in doc for doc in corpus)
        assert index.docs_with(term).tolist() == [i for i, d in enumerate(corpus) if term in d]
    assert index.idf("unknown") == 0.0
    assert index.doc_freq("unknown") == 0
    assert index.docs_with("unknown").tolist() == []


def test_okapi_definitions_that_surprise() -> None:
    corpus = [list(d) for d in CORPORA["small vocabulary"]]
    index = BM25Scorer(corpus, "okapi")
    model = rank_bm25_model(corpus, "okapi")
    assert index.doc_freq("half") == len(corpus) // 2
    assert index.idf("half") == 0.0  # log(x) - log(x): not floored, as idf < 0 is strict
    assert index.idf("every") == pytest.approx(0.25 * model.average_idf)
    one = BM25Scorer([["x", "y", "x"]], "okapi")
    assert one.idf("x") < 0  # one document: every idf is negative, and so is the floor
    assert one.top_k(["x"], 1)[0][1] < 0


@pytest.mark.parametrize("corpus_name", list(TINY))
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_tiny_corpora(corpus_name: str, variant: str, dtype: str) -> None:
    corpus = TINY[corpus_name]
    model = reference(corpus_name, variant, "defaults")
    index = scorer(corpus_name, variant, "defaults", dtype)
    terms = sorted({t for doc in corpus for t in doc})
    queries = [[], ["nope"], *([t] for t in terms), terms, terms + terms[:1] + ["nope"]]
    for query in queries:
        want = model.get_scores(query)
        got = index.scores(query)
        tol = tolerance(variant, dtype, want)
        np.testing.assert_allclose(got, want, rtol=0, atol=tol)
        assert_top_k(index.top_k(query, len(corpus)), want, len(corpus), tol)
        assert index.top_k(query, 0) == []


def test_documents_without_the_terms_rank_above_negative_scores() -> None:
    corpus = [["a", "b", "e"], ["a", "b", "e", "c"], ["b", "a", "e"], ["e", "b", "a"], ["d"]]
    index = BM25Scorer(corpus, "okapi", dtype=np.float64)
    assert index.idf("a") < 0  # average idf < 0: the floor is negative too
    top = index.top_k(["a"], 5)
    # 0 first; then the longer document (a negative idf favours length); then ties by id
    assert [doc for doc, _ in top] == [4, 1, 0, 2, 3]
    assert top[0][1] == 0.0 and top[1][1] < 0
    want = rank_bm25_model(corpus).get_scores(["a"])
    assert top == [(i, float(want[i])) for i in best_first(want, 5)]


def test_empty_and_token_free_corpora() -> None:
    with pytest.raises(ZeroDivisionError):  # rank_bm25 cannot index these; the scorer can
        rank_bm25_model([], "okapi")
    with pytest.raises(ZeroDivisionError):
        rank_bm25_model([[], []], "okapi")
    empty = BM25Scorer([], "plus")
    assert empty.corpus_size == 0 and empty.avgdl == 0.0
    assert empty.scores(["a"]).shape == (0,)
    assert empty.top_k(["a"], 5) == []
    blank = BM25Scorer([[], []], "okapi")
    assert blank.scores(["a"]).tolist() == [0.0, 0.0]
    assert blank.top_k(["a"], 5) == [(0, 0.0), (1, 0.0)]
    assert blank.max_possible(["a"]) == 0.0


@pytest.mark.parametrize("variant", VARIANTS)
def test_empty_document_with_full_length_normalisation(variant: str) -> None:
    """b=1 makes rank_bm25 divide 0 by 0 for an empty document; the scorer gives it the base."""
    corpus = [["a", "b"], [], ["b"]]
    with np.errstate(invalid="ignore"):
        want = rank_bm25_model(corpus, variant, b=1.0).get_scores(["a", "b"])
    index = BM25Scorer(corpus, variant, b=1.0, dtype=np.float64)
    got = index.scores(["a", "b"])
    assert math.isnan(want[1])
    assert got[1] == index.base_score(["a", "b"])
    np.testing.assert_allclose(got[[0, 2]], want[[0, 2]], rtol=1e-12)


@pytest.mark.parametrize("variant", VARIANTS)
def test_base_score_and_max_possible(variant: str) -> None:
    corpus = CORPORA["empty documents"]
    index = scorer("empty documents", variant, "tuned", "float64")
    query = ["w1", "w2", "w1", "unknown"]
    scores = index.scores(query)
    base = index.base_score(query)
    if variant == "plus":
        assert base == pytest.approx(0.7 * (2 * index.idf("w1") + index.idf("w2")))
    else:
        assert base == 0.0
    untouched = [i for i, d in enumerate(corpus) if not {"w1", "w2"} & set(d)]
    assert untouched and all(scores[i] == base for i in untouched)
    assert index.max_possible(query) >= scores.max()
    for term in ("w1", "every", "half", "once", "unknown"):
        assert index.max_possible([term]) == pytest.approx(index.scores([term]).max())


def test_matched_terms() -> None:
    corpus = CORPORA["large vocabulary"]
    index = scorer("large vocabulary", "plus", "defaults", "float32")
    query = ["w3", "w10", "every", "half", "once", "unknown", "w3"]
    for doc_id, doc in enumerate(corpus):
        assert index.matched(query, doc_id) == set(query) & set(doc)


def test_larger_corpus_is_exact_in_float64() -> None:
    rng = np.random.default_rng(7)
    ranks = np.arange(1, 801)
    p = (1 / ranks) / (1 / ranks).sum()
    corpus = [[f"t{j}" for j in rng.choice(800, rng.integers(1, 25), p=p)] for _ in range(1500)]
    queries = [[f"t{j}" for j in rng.choice(800, rng.integers(1, 7), p=p)] for _ in range(10)]
    for variant in ("okapi", "l"):
        model = rank_bm25_model(corpus, variant)
        index = BM25Scorer(corpus, variant, dtype=np.float64)
        for query in queries:
            want = model.get_scores(query)
            np.testing.assert_array_equal(index.scores(query), want)
            top = index.top_k(query, 10)
            assert [d for d, _ in top] == best_first(want, 10)
            assert [s for _, s in top] == want[best_first(want, 10)].tolist()


def test_top_k_over_many_blocks_of_documents_is_the_dense_sum() -> None:
    """The compiled loop sums a block of documents at a time (16,384): across block edges, with
    a term repeated, it gives the floats and the order the dense sum gives."""
    rng = np.random.default_rng(12)
    ranks = np.arange(1, 201)
    p = (1 / ranks) / (1 / ranks).sum()
    corpus = [[f"t{j}" for j in rng.choice(200, rng.integers(1, 6), p=p)] for _ in range(40_000)]
    index = BM25Scorer(corpus, "plus", dtype=np.float64)
    for query in (["t0", "t5"], ["t1", "t1", "t150"], ["t3", "t40", "t120", "t199"], ["t199"]):
        want = index.scores(query)
        top = index.top_k(query, 200)
        assert [d for d, _ in top] == best_first(want, 200)
        assert [s for _, s in top] == want[best_first(want, 200)].tolist()
        assert {d // 16_384 for d, _ in top} == {0, 1, 2}  # from every block


def test_concurrent_queries_match_sequential() -> None:
    corpus = [list(d) for d in CORPORA["large vocabulary"]] * 20
    index = BM25Scorer(corpus, "plus")
    queries = random_queries(CORPORA["large vocabulary"], seed=11) * 5
    sequential = [index.top_k(q, 10) for q in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda q: index.top_k(q, 10), queries)) == sequential


def test_settings_and_memory() -> None:
    corpus = [list(d) for d in CORPORA["large vocabulary"]]
    assert BM25Scorer(corpus, "plus").delta == 1.0
    assert BM25Scorer(corpus, "l").delta == 0.5
    with pytest.raises(ValueError, match="variant"):
        BM25Scorer(corpus, "bm25t")
    with pytest.raises(ValueError, match="dtype"):
        BM25Scorer(corpus, "okapi", dtype=np.int32)
    small, large = BM25Scorer(corpus, "okapi"), BM25Scorer(corpus, "okapi", dtype=np.float64)
    postings = sum(len(set(d)) for d in corpus)
    assert large.nbytes - small.nbytes == 4 * postings
    assert small.nbytes >= 8 * postings
    with pytest.raises(ValueError):
        small.docs_with("every")[0] = 3  # the index is read-only


def test_the_compiled_loop_is_the_one_the_project_installs():
    """`pip install -e .` builds knowledge._topk (setup.py); the tests run on a machine with a
    C compiler, so a missing extension is an install fault, not a fallback to accept."""
    import shutil

    if shutil.which("cc") or shutil.which("gcc"):
        import importlib

        assert importlib.import_module("knowledge._topk").top_k


@pytest.mark.parametrize("variant", VARIANTS)
def test_mixed_top_k_is_the_weighted_sum_of_two_questions_above_their_bases(variant: str):
    """A follow-up's candidates: its terms' scores plus the earlier question's at a weight, each
    above its own base, as two dense score vectors would give them."""
    corpus = random_corpus(7, 400, 60, 12, 0.05)
    scorer = BM25Scorer(corpus, variant)
    model = rank_bm25_model(corpus, variant)
    rng = np.random.default_rng(3)
    for _ in range(25):
        own = [f"w{i}" for i in rng.integers(0, 70, 2)]
        earlier = [f"w{i}" for i in rng.integers(0, 70, 3)] + ["every"]
        weight = float(rng.choice([0.3, 0.5, 1.0]))
        dense = (model.get_scores(own) - scorer.base_score(own)) + weight * (
            model.get_scores(earlier) - scorer.base_score(earlier)
        )
        found = scorer.mixed_top_k([(own, 1.0), (earlier, weight)], 50)
        best = np.sort(dense[dense > 1e-9])[::-1][:50]  # the values; near-ties may swap ids
        values = [v for _, v in found]
        assert len(found) == len(best) and values == sorted(values, reverse=True)
        np.testing.assert_allclose(values, best, rtol=1e-5)
        np.testing.assert_allclose(values, dense[[d for d, _ in found]], rtol=1e-5)
    assert scorer.mixed_top_k([(["zzz"], 1.0)], 10) == []


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_compiled_loop_skipping_rows_finds_what_the_whole_sum_finds(
    variant: str, dtype: str, top_k_path: str
) -> None:
    """With each row's bound given, the compiled loop steps over the common terms' postings
    where no rarer term holds the document (once k are found): the same k documents, floats
    and order as summing every posting; a follow-up's weighted rows too."""
    if top_k_path != "compiled":
        pytest.skip("the compiled loop only")
    rng = np.random.default_rng(21)
    ranks = np.arange(1, 301)
    p = (1 / ranks**0.8) / (1 / ranks**0.8).sum()  # a few terms in most documents
    corpus = [[f"t{j}" for j in rng.choice(300, rng.integers(2, 12), p=p)] for _ in range(50_000)]
    index = BM25Scorer(corpus, variant, dtype=getattr(np, dtype))
    compiled = scoring._compiled
    skipping = 0
    for _ in range(40):
        query = [f"t{j}" for j in rng.choice(300, rng.integers(2, 7), p=p)]
        rows = index._known(query)
        scales = [float(s) for s in rng.choice([0.5, 1.0], len(rows))]
        for k, base, weights in ((1, index._base(rows), None), (10, index._base(rows), None),
                                 (200, index._base(rows), None), (50, 0.0, scales)):
            whole = compiled.top_k(index._offsets, index._docs, index._weights, rows, k, base,
                                   index._scratch(), weights)
            pruned = compiled.top_k(index._offsets, index._docs, index._weights, rows, k, base,
                                    index._scratch(), weights, index._best)
            assert pruned[0] == whole[0], (query, k)
            assert pruned[1] == whole[1] or min(pruned[1], whole[1]) >= k
            skipping += pruned[1] < whole[1]
    assert skipping or variant == "okapi"  # some questions skipped documents
