/* A question's candidates scored from bit masks of the question terms each holds, in one pass:
 * the filters and the features (but backstory and cues) of knowledge/candidate_arrays.py's exact
 * path, the same floats (the same sums, one addition after another in the same order, as
 * Python's sum() makes them before 3.12; the same libm exp and log1p as math's), and a bound on
 * what each candidate's cues could still add. In Python, forty small NumPy steps and a loop over
 * the candidates took most of a question's ranking at a million sentences.
 *
 * score(candidates, articles, question, weights: float64[13], pairs: float64[p],
 *       settings: float64[11])
 *   -> (order: list[int], bound: list[float], plain: list[float], backstory: list[float],
 *       lead: list[bool])
 * candidates, a tuple, for n candidates and the l sentences that l of them lean on:
 *   found: int64[n + l], the question terms each sentence holds (bit k for term k), the
 *     candidates' first; side: int64[n + l], how many question-word pairs each holds side by
 *     side; leaners: int64[l], which candidate leans on each of the l; article: int32[n], each
 *     candidate's article's number; kind: int8[n], its kind's code; bm25: float64[n]; ids:
 *     int64[n], its sentence; thread: int64[t] and thread_articles: int32[t], the sentences of
 *     a follow-up's thread and their articles (both empty for a question without one).
 * articles, a tuple: kind_flags: int64[kinds] by kind code (bit 0: a headline; bit 1: a lead
 *   kind); lead: int64[a], the question terms each article's lead names; age: float64[a];
 *   relevance: float64[r, a], what each relevance term adds to each article (over ``best``);
 *   relevance_bits: int64[r].
 * question, a tuple: share_bits: int64[s], shares: float64[s], article_bits: int64[t],
 *   by_article: float64[t], masks: int64[4] (its focus, predicate, names, pairs' terms).
 * pairs: ``together``'s graded value by count. settings: see the SETTING_ names below.
 * order: the candidates passing the filters, best bound first (ties: lower index first);
 * bound: each one's score with backstory and cues at their largest for the question (0 for one
 * failing a filter), a little above; plain and backstory: each one's multiplier without and
 * with the backstory feature (0 for one failing a filter; backstory 0 unless the question is of
 * news); lead: whether each is of a lead kind.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "_buffer.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The order of ranking.FEATURES this pass knows (``FEATURES`` below; knowledge/candidate_arrays.py
 * uses it only while its own list is this). News lead, other period and far from edge are a
 * period question's, speculation one of how things turned out: none comes this way. */
enum {
    HEADLINE, NEWS_LEAD, OTHER_PERIOD, BACKSTORY, NAME_MISSING, TOGETHER, THROUGH_ARTICLE,
    ARTICLE_RELEVANCE, CUES, OLDER, THREAD, FAR_FROM_EDGE, SPECULATION, NFEATURES
};
static const char *FEATURE_NAMES[NFEATURES] = {
    "headline", "news_lead", "other_period", "backstory", "name_missing", "together",
    "through_article", "article_relevance", "cues", "older", "thread", "far_from_edge",
    "speculation"};
enum {
    SETTING_MIN_COVERAGE, SETTING_PICKED_COVERAGE, SETTING_CONTEXT_COVERAGE,
    SETTING_ARTICLE_COVERAGE, SETTING_ARTICLE_BONUS, SETTING_RELEVANCE_BONUS, SETTING_BEST,
    SETTING_MOST_CUES, SETTING_OF_NEWS, SETTING_OF_NOW, SETTING_THREAD_NEAR, NSETTINGS
};
enum { FOCUS, PREDICATE, NAMED, PAIRED, NQUESTION };
/* Relative slack on a bound, as knowledge/candidate_arrays.py's: exp and sums in another order
 * differ by a few units in the last place; this is far more. */
#define SLACK 1e-9

enum { FOUND, SIDE, LEANERS, ARTICLE, KIND, BM25, IDS, THREAD_IDS, THREAD_ARTICLES, /* candidates */
       KIND_FLAGS, LEAD, AGE, RELEVANCE, RELEVANCE_BITS,                             /* articles */
       SHARE_BITS, SHARES, ARTICLE_BITS, BY_ARTICLE, MASKS,                          /* question */
       WEIGHTS, PAIRS, SETTINGS, NBUFFERS };
static const char *NAMES[NBUFFERS] = {
    "found", "side", "leaners", "article", "kind", "bm25", "ids", "thread", "thread_articles",
    "kind_flags", "lead", "age", "relevance", "relevance_bits",
    "share_bits", "shares", "article_bits", "by_article", "masks",
    "weights", "pairs", "settings"};
static const Py_ssize_t ITEMSIZE[NBUFFERS] = {8, 8, 8, 4, 1, 8, 8, 8, 4, 8, 8, 8, 8, 8,
                                              8, 8, 8, 8, 8, 8, 8, 8};

typedef struct {
    double bound;
    Py_ssize_t at;
} Ranked;

static int best_bound_first(const void *x, const void *y) {
    const Ranked *a = x, *b = y;
    if (a->bound != b->bound) return a->bound > b->bound ? -1 : 1;
    return (a->at > b->at) - (a->at < b->at);
}

/* ranking.graded: ln(1 + bonus × amount), 0 for none; math.log1p keeps a zero as it is. */
static double graded(double bonus, double amount) {
    if (amount == 0.0) return 0.0;
    double x = bonus * amount;
    return x == 0.0 ? x : log1p(x);
}

/* The question's weight (``shares``, of the terms of ``bits``) that a mask holds: a sum in order. */
static double share_of(int64_t mask, const int64_t *bits, const double *shares, Py_ssize_t n) {
    double sum = 0.0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (mask & bits[i]) sum += shares[i];
    return sum;
}

#define COUNT(b, which) ((b)[which].len / ITEMSIZE[which])
#define AS(type, b, which) ((const type *)(b)[which].buf)

typedef struct {
    Py_buffer *b;
    Py_ssize_t n, narticles, nrelevance, nshares, narticle_terms, npairs, nkinds;
    int64_t *leaned; /* the question terms only the sentence a candidate leans on holds */
    double *thread;  /* answers._in_thread of each candidate */
    char *picked;    /* whether it is of the thread's article (where the bar is lower) */
} Inputs;

/* answers._in_thread: 1 for a sentence shortly after one of the thread (in its article), 1/2 for
 * the rest of that article but the thread's sentence itself, else 0; and whether it is of a
 * thread sentence's article at all. */
static void in_thread(const Inputs *in, Py_ssize_t k, Py_ssize_t nthread, double near) {
    Py_buffer *b = in->b;
    const int64_t *thread = AS(int64_t, b, THREAD_IDS);
    const int32_t *articles = AS(int32_t, b, THREAD_ARTICLES);
    double value = 0.0;
    for (Py_ssize_t j = 0; j < nthread; j++) {
        if (articles[j] != AS(int32_t, b, ARTICLE)[k]) continue;
        int64_t after = AS(int64_t, b, IDS)[k] - thread[j];
        double here = after > 0 && after <= near ? 1.0 : (after != 0 ? 0.5 : 0.0);
        if (here > value) value = here;
        in->picked[k] = 1;
    }
    in->thread[k] = value;
}

static int read_inputs(Py_buffer *b, Inputs *in) {
    Py_ssize_t n = COUNT(b, ARTICLE), nleaners = COUNT(b, LEANERS);
    in->b = b;
    in->n = n;
    in->narticles = COUNT(b, LEAD);
    in->nrelevance = COUNT(b, RELEVANCE_BITS);
    in->nshares = COUNT(b, SHARE_BITS);
    in->narticle_terms = COUNT(b, ARTICLE_BITS);
    in->npairs = COUNT(b, PAIRS);
    in->nkinds = COUNT(b, KIND_FLAGS);
    Py_ssize_t nthread = COUNT(b, THREAD_IDS);
    if (COUNT(b, FOUND) != n + nleaners || COUNT(b, SIDE) != n + nleaners ||
        COUNT(b, KIND) != n || COUNT(b, BM25) != n || COUNT(b, IDS) != n ||
        COUNT(b, THREAD_ARTICLES) != nthread ||
        COUNT(b, AGE) != in->narticles ||
        COUNT(b, RELEVANCE) != in->nrelevance * in->narticles ||
        COUNT(b, SHARES) != in->nshares || COUNT(b, BY_ARTICLE) != in->narticle_terms ||
        COUNT(b, MASKS) != NQUESTION || COUNT(b, WEIGHTS) != NFEATURES || in->npairs < 1 ||
        COUNT(b, SETTINGS) != NSETTINGS) {
        PyErr_SetString(PyExc_ValueError, "score: arrays of mismatched shapes");
        return -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        int32_t article = AS(int32_t, b, ARTICLE)[k];
        int8_t kind = AS(int8_t, b, KIND)[k];
        if (article < 0 || article >= in->narticles || kind < 0 || kind >= in->nkinds ||
            AS(int64_t, b, SIDE)[k] < 0) {
            PyErr_SetString(PyExc_ValueError, "score: an article, kind or count out of range");
            return -1;
        }
    }
    in->leaned = PyMem_Calloc(n ? n : 1, sizeof(int64_t));
    in->thread = PyMem_Calloc(n ? n : 1, sizeof(double));
    in->picked = PyMem_Calloc(n ? n : 1, 1);
    if (in->leaned == NULL || in->thread == NULL || in->picked == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (nthread)
        for (Py_ssize_t k = 0; k < n; k++)
            in_thread(in, k, nthread, AS(double, b, SETTINGS)[SETTING_THREAD_NEAR]);
    const int64_t *found = AS(int64_t, b, FOUND), *leaners = AS(int64_t, b, LEANERS);
    for (Py_ssize_t j = 0; j < nleaners; j++) {
        if (leaners[j] < 0 || leaners[j] >= n) {
            PyErr_SetString(PyExc_ValueError, "score: a leaner out of range");
            return -1;
        }
        in->leaned[leaners[j]] = found[n + j] & ~found[leaners[j]];
    }
    return 0;
}

/* answers._admit's filters: None there is 0 here; else 1, and the share of the question its
 * article's lead names and it does not. */
static int admitted(const Inputs *in, Py_ssize_t k, double *through_article) {
    Py_buffer *b = in->b;
    const int64_t *masks = AS(int64_t, b, MASKS);
    const double *setting = AS(double, b, SETTINGS);
    int64_t h = AS(int64_t, b, FOUND)[k], l = in->leaned[k];
    int64_t d = AS(int64_t, b, LEAD)[AS(int32_t, b, ARTICLE)[k]];
    if ((masks[FOCUS] && !(h & masks[FOCUS])) || (masks[PREDICATE] && !((h | l | d) & masks[PREDICATE])))
        return 0;
    const int64_t *share_bits = AS(int64_t, b, SHARE_BITS);
    const double *shares = AS(double, b, SHARES);
    double coverage = share_of(h, share_bits, shares, in->nshares);
    if (l) coverage += setting[SETTING_CONTEXT_COVERAGE] * share_of(l, share_bits, shares, in->nshares);
    if (coverage == 0.0) return 0;
    *through_article = share_of(d & ~h, AS(int64_t, b, ARTICLE_BITS), AS(double, b, BY_ARTICLE),
                                in->narticle_terms);
    coverage += setting[SETTING_ARTICLE_COVERAGE] * *through_article;
    double picked = in->picked[k] ? setting[SETTING_PICKED_COVERAGE] : 1.0;
    double bar = setting[SETTING_MIN_COVERAGE] * picked;
    return !(coverage < bar);
}

/* answers._features but backstory and cues: each nonzero feature's weighted value, in the order
 * of ranking.FEATURES; where backstory's would go, in ``at_backstory``. */
static int weighted(const Inputs *in, Py_ssize_t k, double through_article, double *terms,
                    int *at_backstory) {
    Py_buffer *b = in->b;
    const double *w = AS(double, b, WEIGHTS), *setting = AS(double, b, SETTINGS);
    const int64_t *masks = AS(int64_t, b, MASKS);
    int32_t article = AS(int32_t, b, ARTICLE)[k];
    int64_t h = AS(int64_t, b, FOUND)[k];
    int64_t about = h | in->leaned[k] | AS(int64_t, b, LEAD)[article];
    int64_t flags = AS(int64_t, b, KIND_FLAGS)[AS(int8_t, b, KIND)[k]];
    double added = 0.0; /* what its article adds: the shares of the terms it lacks */
    const double *relevance = AS(double, b, RELEVANCE);
    const int64_t *relevance_bits = AS(int64_t, b, RELEVANCE_BITS);
    for (Py_ssize_t r = 0; r < in->nrelevance; r++) {
        double part = relevance[r * in->narticles + article] / setting[SETTING_BEST];
        if (part > 0 && !(h & relevance_bits[r])) added += part;
    }
    int count = 0;
    if (flags & 1) terms[count++] = w[HEADLINE];
    *at_backstory = count;
    int64_t paired = h & masks[PAIRED];
    if (masks[NAMED] && !(masks[NAMED] & about)) terms[count++] = w[NAME_MISSING];
    int64_t together = paired & (paired - 1) ? AS(int64_t, b, SIDE)[k] : 0; /* two pair terms */
    if (together >= in->npairs) together = in->npairs - 1;
    if (together) terms[count++] = w[TOGETHER] * AS(double, b, PAIRS)[together];
    double through = graded(setting[SETTING_ARTICLE_BONUS], through_article);
    if (through != 0.0) terms[count++] = w[THROUGH_ARTICLE] * through;
    double relevant = graded(setting[SETTING_RELEVANCE_BONUS], added);
    if (relevant != 0.0) terms[count++] = w[ARTICLE_RELEVANCE] * relevant;
    double age = AS(double, b, AGE)[article];
    if (setting[SETTING_OF_NOW] != 0.0 && age != 0.0) terms[count++] = w[OLDER] * age;
    if (in->thread[k] != 0.0) terms[count++] = w[THREAD] * in->thread[k];
    return count;
}

static int append_float(PyObject *list, Py_ssize_t k, double value) {
    PyObject *x = PyFloat_FromDouble(value);
    if (x == NULL) return -1;
    PyList_SET_ITEM(list, k, x);
    return 0;
}

static PyObject *score(PyObject *self, PyObject *args) {
    PyObject *o[NBUFFERS];
    (void)self;
    if (!PyArg_ParseTuple(args, "(OOOOOOOOO)(OOOOO)(OOOOO)OOO", &o[FOUND], &o[SIDE], &o[LEANERS],
                          &o[ARTICLE], &o[KIND], &o[BM25], &o[IDS], &o[THREAD_IDS],
                          &o[THREAD_ARTICLES],
                          &o[KIND_FLAGS], &o[LEAD], &o[AGE], &o[RELEVANCE], &o[RELEVANCE_BITS],
                          &o[SHARE_BITS], &o[SHARES], &o[ARTICLE_BITS], &o[BY_ARTICLE], &o[MASKS],
                          &o[WEIGHTS], &o[PAIRS], &o[SETTINGS]))
        return NULL;
    Py_buffer b[NBUFFERS];
    int got = 0;
    PyObject *result = NULL, *order = NULL, *bounds = NULL, *plain = NULL, *backstory = NULL,
             *lead = NULL;
    Ranked *ranked = NULL;
    Inputs in = {0};
    for (; got < NBUFFERS; got++) {
        if (get(o[got], &b[got], 0, NAMES[got]) < 0) goto done;
        if (b[got].itemsize != ITEMSIZE[got]) {
            PyErr_Format(PyExc_TypeError, "%s: expected items of %zd bytes", NAMES[got],
                         ITEMSIZE[got]);
            PyBuffer_Release(&b[got]);
            goto done;
        }
    }
    if (read_inputs(b, &in) < 0) goto done;
    ranked = PyMem_Malloc(sizeof(Ranked) * (in.n ? in.n : 1));
    bounds = PyList_New(in.n);
    plain = PyList_New(in.n);
    backstory = PyList_New(in.n);
    lead = PyList_New(in.n);
    if (ranked == NULL || bounds == NULL || plain == NULL || backstory == NULL || lead == NULL) {
        if (ranked == NULL) PyErr_NoMemory();
        goto done;
    }
    const double *setting = AS(double, b, SETTINGS), *bm25 = AS(double, b, BM25);
    const int of_news = setting[SETTING_OF_NEWS] != 0.0;
    const double most_cues = setting[SETTING_MOST_CUES];
    const double backstory_weight = AS(double, b, WEIGHTS)[BACKSTORY];
    Py_ssize_t passed = 0;
    for (Py_ssize_t k = 0; k < in.n; k++) {
        double through_article = 0.0, bound = 0.0, plain_multiplier = 0.0, with_multiplier = 0.0;
        if (admitted(&in, k, &through_article)) {
            double without = 0.0, with = 0.0, terms[NFEATURES];
            int at_backstory, count = weighted(&in, k, through_article, terms, &at_backstory);
            for (int t = 0; t <= count; t++) { /* sum() of the features' weighted values */
                if (t == at_backstory) with += backstory_weight;
                if (t < count) {
                    without += terms[t];
                    with += terms[t];
                }
            }
            plain_multiplier = exp(without);
            with_multiplier = of_news ? exp(with) : 0.0;
            /* the bound: backstory and cues at their largest for the question */
            double most = with_multiplier > plain_multiplier ? with_multiplier : plain_multiplier;
            bound = bm25[k] * most * most_cues * (1 + SLACK);
            ranked[passed].bound = bound;
            ranked[passed++].at = k;
        }
        if (append_float(bounds, k, bound) < 0 || append_float(plain, k, plain_multiplier) < 0 ||
            append_float(backstory, k, with_multiplier) < 0)
            goto done;
        int64_t flags = AS(int64_t, b, KIND_FLAGS)[AS(int8_t, b, KIND)[k]];
        PyObject *is_lead = flags & 2 ? Py_True : Py_False;
        Py_INCREF(is_lead);
        PyList_SET_ITEM(lead, k, is_lead);
    }
    qsort(ranked, passed, sizeof(Ranked), best_bound_first);
    order = PyList_New(passed);
    if (order == NULL) goto done;
    for (Py_ssize_t i = 0; i < passed; i++) {
        PyObject *at = PyLong_FromSsize_t(ranked[i].at);
        if (at == NULL) goto done;
        PyList_SET_ITEM(order, i, at);
    }
    result = PyTuple_Pack(5, order, bounds, plain, backstory, lead);
done:
    Py_XDECREF(order);
    Py_XDECREF(bounds);
    Py_XDECREF(plain);
    Py_XDECREF(backstory);
    Py_XDECREF(lead);
    PyMem_Free(ranked);
    PyMem_Free(in.leaned);
    PyMem_Free(in.thread);
    PyMem_Free(in.picked);
    for (int k = 0; k < got; k++) PyBuffer_Release(&b[k]);
    return result;
}

static PyMethodDef methods[] = {
    {"score", score, METH_VARARGS,
     "Candidates passing the filters, best bound first, and their multipliers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_candidates", NULL, -1, methods};

PyMODINIT_FUNC PyInit__candidates(void) {
    PyObject *m = PyModule_Create(&module), *names = PyTuple_New(NFEATURES);
    if (m == NULL || names == NULL) goto fail;
    for (int i = 0; i < NFEATURES; i++) {
        PyObject *name = PyUnicode_FromString(FEATURE_NAMES[i]);
        if (name == NULL) goto fail;
        PyTuple_SET_ITEM(names, i, name);
    }
    if (PyModule_AddObject(m, "FEATURES", names) < 0) goto fail;
    return m;
fail:
    Py_XDECREF(names);
    Py_XDECREF(m);
    return NULL;
}
