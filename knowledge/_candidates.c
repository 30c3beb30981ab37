/* A question's candidates scored from bit masks of the question terms each holds, in one pass:
 * the filters and the features (but backstory and cues) of knowledge/candidate_arrays.py's exact
 * path, the same floats (the same sums, one addition after another in the same order, as
 * Python's sum() makes them before 3.12; the same libm exp and log1p as math's), and a bound on
 * what each candidate's cues could still add. In Python, forty small NumPy steps and a loop over
 * the candidates took most of a question's ranking at a million sentences.
 *
 * score(candidates: int64[5, n], values: float64[3, n], relevance: float64[r, articles],
 *       relevance_bits: int64[r], share_bits: int64[s], shares: float64[s],
 *       article_bits: int64[a], by_article: float64[a], question: int64[4],
 *       weights: float64[13], pairs: float64[p], settings: float64[10])
 *   -> (order: list[int], bound: list[float], plain: list[float], backstory: list[float])
 * candidates rows: the question terms each holds, those only the sentence it leans on holds,
 * those its article's lead names (bit k for term k), its article's number (the column of
 * ``relevance``), and flags (bit 0: a headline; bit 1: of the thread's article, where the
 * coverage bar is lower; from bit 2, how many question-word pairs it holds side by side).
 * values rows: BM25 score, ``thread``, its article's age. question: the masks of its focus, its
 * predicate, its names and the terms of its pairs. pairs: ``together``'s graded value by count.
 * settings: see the SETTING_ names below.
 * order: the candidates passing the filters, best bound first (ties: lower index first);
 * bound: each one's score with backstory and cues at their largest for the question (0 for one
 * failing a filter), a little above; plain and backstory: each candidate's multiplier without and with the backstory feature
 * (0 for one failing a filter; backstory 0 unless the question is of news).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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
    SETTING_MOST_CUES, SETTING_OF_NEWS, SETTING_OF_NOW, NSETTINGS
};
enum { FOCUS, PREDICATE, NAMED, PAIRED, NQUESTION };
/* Relative slack on a bound, as knowledge/candidate_arrays.py's: exp and sums in another order
 * differ by a few units in the last place; this is far more. */
#define SLACK 1e-9
#define NARGS 12

typedef struct {
    double bound;
    Py_ssize_t at;
} Ranked;

static int best_bound_first(const void *x, const void *y) {
    const Ranked *a = x, *b = y;
    if (a->bound != b->bound) return a->bound > b->bound ? -1 : 1;
    return (a->at > b->at) - (a->at < b->at);
}

static int get(PyObject *object, Py_buffer *view, const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous buffer", name);
        return -1;
    }
    if (view->itemsize != 8) {
        PyErr_Format(PyExc_TypeError, "%s: expected int64 or float64 items", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
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

typedef struct {
    Py_ssize_t n, nrelevance, columns, nshares, narticle, npairs;
    const int64_t *held, *leaned, *lead, *article, *flags;
    const double *bm25, *thread, *age;
    const double *relevance;
    const int64_t *relevance_bits, *share_bits, *article_bits, *question;
    const double *shares, *by_article, *w, *pair_values, *setting;
} Inputs;

/* answers._admit's filters: None there is 0 here; else 1, and the share of the question its
 * article's lead names and it does not. */
static int admitted(const Inputs *in, Py_ssize_t k, double *through_article) {
    int64_t h = in->held[k], l = in->leaned[k], d = in->lead[k];
    int64_t focus = in->question[FOCUS], predicate = in->question[PREDICATE];
    if ((focus && !(h & focus)) || (predicate && !((h | l | d) & predicate))) return 0;
    double coverage = share_of(h, in->share_bits, in->shares, in->nshares);
    if (l) {
        double leaned = share_of(l, in->share_bits, in->shares, in->nshares);
        coverage += in->setting[SETTING_CONTEXT_COVERAGE] * leaned;
    }
    if (coverage == 0.0) return 0;
    *through_article = share_of(d & ~h, in->article_bits, in->by_article, in->narticle);
    coverage += in->setting[SETTING_ARTICLE_COVERAGE] * *through_article;
    double picked = in->flags[k] & 2 ? in->setting[SETTING_PICKED_COVERAGE] : 1.0;
    return !(coverage < in->setting[SETTING_MIN_COVERAGE] * picked);
}

/* answers._features but backstory and cues: each nonzero feature's weighted value, in the order
 * of ranking.FEATURES; where backstory's would go, in ``at_backstory``. */
static int weighted(const Inputs *in, Py_ssize_t k, double through_article, double *terms,
                    int *at_backstory) {
    int64_t h = in->held[k], about = h | in->leaned[k] | in->lead[k], flags = in->flags[k];
    const double *w = in->w, *setting = in->setting;
    double added = 0.0; /* what its article adds: the shares of the terms it lacks */
    for (Py_ssize_t r = 0; r < in->nrelevance; r++) {
        double part = in->relevance[r * in->columns + in->article[k]] / setting[SETTING_BEST];
        if (part > 0 && !(h & in->relevance_bits[r])) added += part;
    }
    int count = 0;
    if (flags & 1) terms[count++] = w[HEADLINE];
    *at_backstory = count;
    int64_t named = in->question[NAMED], paired = h & in->question[PAIRED];
    if (named && !(named & about)) terms[count++] = w[NAME_MISSING];
    int64_t together = paired & (paired - 1) ? flags >> 2 : 0; /* two of the pairs' terms */
    if (together >= in->npairs) together = in->npairs - 1;
    if (together) terms[count++] = w[TOGETHER] * in->pair_values[together];
    double through = graded(setting[SETTING_ARTICLE_BONUS], through_article);
    if (through != 0.0) terms[count++] = w[THROUGH_ARTICLE] * through;
    double relevant = graded(setting[SETTING_RELEVANCE_BONUS], added);
    if (relevant != 0.0) terms[count++] = w[ARTICLE_RELEVANCE] * relevant;
    if (setting[SETTING_OF_NOW] != 0.0 && in->age[k] != 0.0) terms[count++] = w[OLDER] * in->age[k];
    if (in->thread[k] != 0.0) terms[count++] = w[THREAD] * in->thread[k];
    return count;
}

static int read_inputs(Py_buffer *b, Inputs *in) {
    Py_ssize_t n = b[0].len / 8 / 5;
    in->n = n;
    in->nrelevance = b[3].len / 8;
    in->columns = in->nrelevance ? b[2].len / 8 / in->nrelevance : 0;
    in->nshares = b[5].len / 8;
    in->narticle = b[7].len / 8;
    in->npairs = b[10].len / 8;
    if (b[0].len != 5 * 8 * n || b[1].len != 3 * 8 * n || b[4].len != b[5].len ||
        b[6].len != b[7].len || b[8].len != 8 * NQUESTION || b[9].len != 8 * NFEATURES ||
        in->npairs < 1 || b[11].len != 8 * NSETTINGS ||
        b[2].len != 8 * in->nrelevance * in->columns) {
        PyErr_SetString(PyExc_ValueError, "score: arrays of mismatched shapes");
        return -1;
    }
    in->held = b[0].buf;
    in->leaned = in->held + n;
    in->lead = in->held + 2 * n;
    in->article = in->held + 3 * n;
    in->flags = in->held + 4 * n;
    in->bm25 = b[1].buf;
    in->thread = in->bm25 + n;
    in->age = in->bm25 + 2 * n;
    in->relevance = b[2].buf;
    in->relevance_bits = b[3].buf;
    in->share_bits = b[4].buf;
    in->shares = b[5].buf;
    in->article_bits = b[6].buf;
    in->by_article = b[7].buf;
    in->question = b[8].buf;
    in->w = b[9].buf;
    in->pair_values = b[10].buf;
    in->setting = b[11].buf;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (in->article[k] < 0 || (in->nrelevance && in->article[k] >= in->columns) ||
            in->flags[k] < 0) {
            PyErr_SetString(PyExc_ValueError, "score: an article or flags out of range");
            return -1;
        }
    }
    return 0;
}

static PyObject *score(PyObject *self, PyObject *args) {
    PyObject *o[NARGS];
    const char *names[NARGS] = {"candidates", "values", "relevance", "relevance_bits",
                                "share_bits", "shares", "article_bits", "by_article",
                                "question", "weights", "pairs", "settings"};
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &o[7], &o[8], &o[9], &o[10], &o[11]))
        return NULL;
    Py_buffer b[NARGS];
    int got = 0;
    PyObject *result = NULL, *order = NULL, *bounds = NULL, *plain = NULL, *backstory = NULL;
    Ranked *ranked = NULL;
    Inputs in;
    for (; got < NARGS; got++) {
        if (get(o[got], &b[got], names[got]) < 0) goto done;
    }
    if (read_inputs(b, &in) < 0) goto done;
    ranked = PyMem_Malloc(sizeof(Ranked) * (in.n ? in.n : 1));
    bounds = PyList_New(in.n);
    plain = PyList_New(in.n);
    backstory = PyList_New(in.n);
    if (ranked == NULL || bounds == NULL || plain == NULL || backstory == NULL) {
        if (ranked == NULL) PyErr_NoMemory();
        goto done;
    }
    const int of_news = in.setting[SETTING_OF_NEWS] != 0.0;
    const double most_cues = in.setting[SETTING_MOST_CUES], backstory_weight = in.w[BACKSTORY];
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
            bound = in.bm25[k] * most * most_cues * (1 + SLACK);
            ranked[passed].bound = bound;
            ranked[passed++].at = k;
        }
        PyObject *b = PyFloat_FromDouble(bound);
        PyObject *x = PyFloat_FromDouble(plain_multiplier);
        PyObject *y = PyFloat_FromDouble(with_multiplier);
        if (b == NULL || x == NULL || y == NULL) {
            Py_XDECREF(b);
            Py_XDECREF(x);
            Py_XDECREF(y);
            goto done;
        }
        PyList_SET_ITEM(bounds, k, b);
        PyList_SET_ITEM(plain, k, x);
        PyList_SET_ITEM(backstory, k, y);
    }
    qsort(ranked, passed, sizeof(Ranked), best_bound_first);
    order = PyList_New(passed);
    if (order == NULL) goto done;
    for (Py_ssize_t i = 0; i < passed; i++) {
        PyObject *at = PyLong_FromSsize_t(ranked[i].at);
        if (at == NULL) goto done;
        PyList_SET_ITEM(order, i, at);
    }
    result = PyTuple_Pack(4, order, bounds, plain, backstory);
done:
    Py_XDECREF(order);
    Py_XDECREF(bounds);
    Py_XDECREF(plain);
    Py_XDECREF(backstory);
    PyMem_Free(ranked);
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
