/* Which of a question's terms some sentences hold, and how many pairs of them each holds side by
 * side, from each sentence's terms as rows in order (knowledge.sentence_rows.SentenceRows): one
 * pass over those sentences' terms, where NumPy took a dozen passes over them for the same.
 *
 * held(starts: int32[]|int64[], rows: uint16[]|int32[], ids: int64[], wanted: int64[],
 *      pairs: int64[], masks: int64[], together: int64[]) -> None
 * Sentence i's terms are rows[starts[i]:starts[i + 1]]. For each of ``ids``, ``masks`` gets a
 * bit k for each wanted[k] (at most 63 rows) it holds, and ``together`` how many of ``pairs``
 * (rows a0, b0, a1, b1, ...: at most 64 pairs) it holds as a term and the one after it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "_buffer.h"
#include <math.h>
#include <stdint.h>

static PyObject *held(PyObject *self, PyObject *args) {
    PyObject *o[7];
    const char *names[7] = {"starts", "rows", "ids", "wanted", "pairs", "masks", "together"};
    if (!PyArg_ParseTuple(args, "OOOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6]))
        return NULL;
    Py_buffer b[7];
    int got = 0;
    PyObject *result = NULL;
    for (; got < 7; got++) {
        if (get(o[got], &b[got], got >= 5, names[got]) < 0) goto done;
    }
    Py_ssize_t nsentences = b[0].len / b[0].itemsize - 1, nrows = b[1].len / b[1].itemsize;
    Py_ssize_t nids = b[2].len / 8, nwanted = b[3].len / 8, npairs = b[4].len / 16;
    if ((b[0].itemsize != 4 && b[0].itemsize != 8) || (b[1].itemsize != 2 && b[1].itemsize != 4) ||
        b[2].itemsize != 8 || b[3].itemsize != 8 || b[4].itemsize != 8 || b[5].itemsize != 8 ||
        b[6].itemsize != 8) {
        PyErr_SetString(PyExc_TypeError,
                        "expected int32/int64 starts, uint16/int32 rows, int64 everything else");
        goto done;
    }
    if (nwanted > 63 || npairs > 64 || b[4].len % 16 || b[5].len != b[2].len ||
        b[6].len != b[2].len) {
        PyErr_SetString(PyExc_ValueError, "at most 63 wanted rows and 64 pairs, an out per id");
        goto done;
    }
    const int64_t *ids = b[2].buf, *wanted = b[3].buf, *pairs = b[4].buf;
    const int32_t *starts32 = b[0].buf;
    const int64_t *starts64 = b[0].buf;
    const uint16_t *rows16 = b[1].buf;
    const int32_t *rows32 = b[1].buf;
    int wide_starts = b[0].itemsize == 8, wide_rows = b[1].itemsize == 4;
    for (Py_ssize_t i = 0; i < nids; i++) {
        if (ids[i] < 0 || ids[i] >= nsentences) {
            PyErr_SetString(PyExc_IndexError, "ids: out of range");
            goto done;
        }
    }
    int64_t *masks = b[5].buf, *together = b[6].buf;
    int64_t *bounds = PyMem_Malloc(sizeof(int64_t) * 2 * (nids ? nids : 1));
    if (bounds == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    /* Each sentence's terms are somewhere in a large array: first every sentence's bounds, then
     * a prefetch of every run, then the runs. One sentence after another, each read waited for
     * the one before it (a cache miss, and a TLB miss, each). */
    for (Py_ssize_t i = 0; i < nids; i++) {
        bounds[2 * i] = wide_starts ? starts64[ids[i]] : starts32[ids[i]];
        bounds[2 * i + 1] = wide_starts ? starts64[ids[i] + 1] : starts32[ids[i] + 1];
    }
    for (Py_ssize_t i = 0; i < nids && !bad; i++) {
        int64_t first = bounds[2 * i], last = bounds[2 * i + 1];
        if (first < 0 || last > nrows || first > last) bad = 1;
#if defined(__GNUC__) || defined(__clang__)
        else if (first < last)
            __builtin_prefetch(wide_rows ? (const void *)&rows32[first] : (const void *)&rows16[first]);
#endif
    }
    for (Py_ssize_t i = 0; i < nids && !bad; i++) {
        uint64_t mask = 0, seen = 0;
        int64_t before = -1;
        for (int64_t p = bounds[2 * i]; p < bounds[2 * i + 1]; p++) {
            int64_t row = wide_rows ? rows32[p] : rows16[p];
            for (Py_ssize_t k = 0; k < nwanted; k++) mask |= (uint64_t)(row == wanted[k]) << k;
            for (Py_ssize_t q = 0; q < npairs; q++)
                seen |= (uint64_t)(before == pairs[2 * q] && row == pairs[2 * q + 1]) << q;
            before = row;
        }
        int64_t count = 0;
        for (; seen; seen &= seen - 1) count++;
        masks[i] = (int64_t)mask;
        together[i] = count;
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(bounds);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "starts: not within rows");
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (int k = 0; k < got; k++) PyBuffer_Release(&b[k]);
    return result;
}

/* counts(ids: int32[], starts: int64[], out: int32[]) -> None
 * How many of ``ids`` (ascending) fall in each range starts[n] <= id < starts[n + 1] (``starts``
 * ascending, one more than ``out``): a term's sentences counted by article in one merge of the
 * two lists. NumPy looked up each sentence's article in an array of every sentence's, a cache
 * miss a posting the first time a question asks about the term. */
static PyObject *counts(PyObject *self, PyObject *args) {
    PyObject *o[3];
    const char *names[3] = {"ids", "starts", "out"};
    if (!PyArg_ParseTuple(args, "OOO", &o[0], &o[1], &o[2])) return NULL;
    Py_buffer b[3];
    int got = 0;
    PyObject *result = NULL;
    for (; got < 3; got++) {
        if (get(o[got], &b[got], got == 2, names[got]) < 0) goto done;
    }
    if (b[0].itemsize != 4 || b[1].itemsize != 8 || b[2].itemsize != 4) {
        PyErr_SetString(PyExc_TypeError, "expected int32 ids, int64 starts, int32 out");
        goto done;
    }
    const int32_t *ids = b[0].buf;
    const int64_t *starts = b[1].buf;
    int32_t *out = b[2].buf;
    Py_ssize_t nids = b[0].len / 4, nranges = b[2].len / 4;
    if (b[1].len / 8 != nranges + 1) {
        PyErr_SetString(PyExc_ValueError, "starts: one more than out");
        goto done;
    }
    for (Py_ssize_t n = 0; n < nranges; n++) {
        out[n] = 0;
        if (starts[n] > starts[n + 1]) {
            PyErr_SetString(PyExc_ValueError, "starts: not ascending");
            goto done;
        }
    }
    Py_ssize_t n = 0;
    for (Py_ssize_t i = 0; i < nids; i++) {
        if (ids[i] < starts[0] || ids[i] >= starts[nranges] || (i && ids[i] < ids[i - 1])) {
            PyErr_SetString(PyExc_ValueError, "ids: not ascending within the ranges");
            goto done;
        }
        while (ids[i] >= starts[n + 1]) n++;
        out[n]++;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (int k = 0; k < got; k++) PyBuffer_Release(&b[k]);
    return result;
}

/* parts(counts: int32[r, a], idf: float64[r], norm: float64[a], scale: float, out: float64[r, a])
 *   -> float
 * BM25 over articles (knowledge/relevance.py): out[t, n] = idf[t] * counts[t, n] * scale /
 * (counts[t, n] + norm[n]), the operations in that order; returns the best article's sum of
 * them, added term after term. One pass where NumPy made a temporary the size of the matrix at
 * each step. */
static PyObject *parts(PyObject *self, PyObject *args) {
    PyObject *o[4];
    double scale;
    const char *names[4] = {"counts", "idf", "norm", "out"};
    if (!PyArg_ParseTuple(args, "OOOdO", &o[0], &o[1], &o[2], &scale, &o[3])) return NULL;
    Py_buffer b[4];
    int got = 0;
    PyObject *result = NULL;
    for (; got < 4; got++) {
        if (get(o[got], &b[got], got == 3, names[got]) < 0) goto done;
    }
    if (b[0].itemsize != 4 || b[1].itemsize != 8 || b[2].itemsize != 8 || b[3].itemsize != 8) {
        PyErr_SetString(PyExc_TypeError, "expected int32 counts, float64 idf, norm and out");
        goto done;
    }
    Py_ssize_t nterms = b[1].len / 8, narticles = b[2].len / 8;
    if (b[0].len / 4 != nterms * narticles || b[3].len / 8 != nterms * narticles) {
        PyErr_SetString(PyExc_ValueError, "counts and out: a row a term, a column an article");
        goto done;
    }
    const int32_t *counts = b[0].buf;
    const double *idf = b[1].buf, *norm = b[2].buf;
    double *out = b[3].buf, best = -INFINITY;
    for (Py_ssize_t t = 0; t < nterms; t++) {
        for (Py_ssize_t n = 0; n < narticles; n++) {
            double tf = (double)counts[t * narticles + n], part = idf[t] * tf;
            part *= scale;
            out[t * narticles + n] = part / (tf + norm[n]);
        }
    }
    for (Py_ssize_t n = 0; n < narticles; n++) {
        double total = nterms ? out[n] : 0.0;
        for (Py_ssize_t t = 1; t < nterms; t++) total += out[t * narticles + n];
        if (total > best || n == 0) best = total;
    }
    result = PyFloat_FromDouble(best);
done:
    for (int k = 0; k < got; k++) PyBuffer_Release(&b[k]);
    return result;
}

static PyMethodDef methods[] = {
    {"held", held, METH_VARARGS, "Masks of the wanted rows each sentence holds, and pairs."},
    {"parts", parts, METH_VARARGS, "BM25 over articles: each term's part, and the best sum."},
    {"counts", counts, METH_VARARGS, "How many ascending ids fall in each of ascending ranges."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_rows", NULL, -1, methods};

PyMODINIT_FUNC PyInit__rows(void) { return PyModule_Create(&module); }
