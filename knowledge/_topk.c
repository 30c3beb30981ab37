/* The inner loop of BM25Scorer.top_k, compiled: sum the query terms' postings into a scratch
 * buffer a block of documents at a time, read each touched document once (resetting it), keep
 * the k best above the base score in a small heap. Exhaustive over the postings a question touches, in the order
 * BM25Scorer.scores() adds them, so the floats are the same as rank-bm25's.
 *
 * top_k(offsets: int64[], docs: int32[], weights: float32[]|float64[], rows: list[int],
 *       k: int, base: float, scratch: float64[], scales: list[float] | None = None,
 *       bounds: float64[] | None = None)
 *   -> (list[(doc, score)], above: int)
 * ``scales`` (one per row) weighs each row's postings: a follow-up question mixes its own terms
 * with the earlier question's at a lower weight, in one pass instead of two dense vectors.
 * ``above`` counts documents scoring above the base; when it is below k the caller completes
 * the list (documents at the base score) itself. Any buffer object works (numpy arrays do).
 *
 * ``bounds`` (by row, at least every weight of the row but for float32 rounding, ``SLACK``)
 * lets a block skip documents that cannot reach the k found so far (MaxScore): once k are
 * found, the rows of least bound whose bounds add up to less than the k-th best score (over
 * the base) cannot lift a document on their own, so they add only at the documents of the
 * others; the rest of their postings are only stepped over. Every document that may be among
 * the k best is still summed whole, in the same order. ``above`` then counts only those summed
 * (k at least: what the caller asks of it).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "_buffer.h"
#include <stdint.h>
#include <string.h>

#define BLOCK 16384 /* documents whose sums are kept at once: 128 KB, within a core's cache */
#define SLACK 1e-6  /* relative: float32 weights round up to 6e-8 over their bound, sums round too */

typedef struct {
    double value;
    int32_t doc;
} Hit;

/* a is worse than b: lower score, or the same score and a higher id (ties go to lower ids) */
static inline int worse(const Hit *a, const Hit *b) {
    return a->value < b->value || (a->value == b->value && a->doc > b->doc);
}

static void sift_down(Hit *heap, Py_ssize_t n, Py_ssize_t i) {
    for (;;) {
        Py_ssize_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(&heap[l], &heap[m])) m = l;
        if (r < n && worse(&heap[r], &heap[m])) m = r;
        if (m == i) return;
        Hit t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

static void sift_up(Hit *heap, Py_ssize_t i) {
    while (i > 0) {
        Py_ssize_t p = (i - 1) / 2;
        if (!worse(&heap[i], &heap[p])) return;
        Hit t = heap[i];
        heap[i] = heap[p];
        heap[p] = t;
        i = p;
    }
}

/* Which rows a block may skip but where the others hold the document: those of least bound
 * (``by_bound``, distinct rows) whose bounds add up, with the base, to less than ``kth`` (the
 * k-th best score so far), one row at least kept; ``skip`` gets it for every row of ``rows``
 * (repeats too). Whether any is skipped. */
static int prune(const double *bound, const Py_ssize_t *by_bound, Py_ssize_t nunique,
                 double base, double kth, const int64_t *rows, Py_ssize_t nrows, char *skip) {
    double total = 0.0;
    Py_ssize_t skipped = 0;
    for (; skipped < nunique - 1; skipped++) {
        double more = total + bound[by_bound[skipped]];
        if (!((more * (1 + SLACK) + base) * (1 + SLACK) < kth)) break;
        total = more;
    }
    for (Py_ssize_t r = 0; r < nrows; r++) {
        skip[r] = 0;
        for (Py_ssize_t i = 0; i < skipped; i++) skip[r] |= rows[r] == rows[by_bound[i]];
    }
    return skipped > 0;
}

static int better_first(const void *x, const void *y) {
    const Hit *a = (const Hit *)x, *b = (const Hit *)y;
    if (a->value != b->value) return a->value > b->value ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

static PyObject *top_k(PyObject *self, PyObject *args) {
    PyObject *offsets_o, *docs_o, *weights_o, *rows_o, *scratch_o, *scales_o = Py_None;
    PyObject *bounds_o = Py_None;
    Py_ssize_t k;
    double base;
    if (!PyArg_ParseTuple(args, "OOOOndO|OO", &offsets_o, &docs_o, &weights_o, &rows_o, &k, &base,
                          &scratch_o, &scales_o, &bounds_o))
        return NULL;
    Py_buffer offsets_b = {0}, docs_b = {0}, weights_b = {0}, scratch_b = {0}, bounds_b = {0};
    PyObject *result = NULL;
    Hit *heap = NULL;
    int64_t *rows = NULL, *cursor = NULL;
    double *scales = NULL, *bound = NULL;
    Py_ssize_t *by_bound = NULL, nunique = 0;
    char *skip = NULL;
    unsigned char *mark = NULL;
    if (get(offsets_o, &offsets_b, 0, "offsets") < 0) goto done;
    if (get(docs_o, &docs_b, 0, "docs") < 0) goto done;
    if (get(weights_o, &weights_b, 0, "weights") < 0) goto done;
    if (get(scratch_o, &scratch_b, 1, "scratch") < 0) goto done;
    if (offsets_b.itemsize != 8 || docs_b.itemsize != 4 || scratch_b.itemsize != 8 ||
        (weights_b.itemsize != 4 && weights_b.itemsize != 8)) {
        PyErr_SetString(PyExc_TypeError, "expected int64 offsets, int32 docs, float weights");
        goto done;
    }
    PyObject *seq = PySequence_Fast(rows_o, "rows: expected a sequence");
    if (seq == NULL) goto done;
    Py_ssize_t nrows = PySequence_Fast_GET_SIZE(seq);
    Py_ssize_t nterms = offsets_b.len / 8 - 1;
    rows = PyMem_Malloc(sizeof(int64_t) * (nrows ? nrows : 1));
    if (rows == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nrows; i++) {
        rows[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
        if (rows[i] < 0 || rows[i] >= nterms) {
            Py_DECREF(seq);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_IndexError, "rows: out of range");
            goto done;
        }
    }
    Py_DECREF(seq);
    if (scales_o != Py_None) {
        PyObject *given = PySequence_Fast(scales_o, "scales: expected a sequence");
        if (given == NULL) goto done;
        if (PySequence_Fast_GET_SIZE(given) != nrows) {
            Py_DECREF(given);
            PyErr_SetString(PyExc_ValueError, "scales: one per row");
            goto done;
        }
        scales = PyMem_Malloc(sizeof(double) * (nrows ? nrows : 1));
        if (scales == NULL) {
            Py_DECREF(given);
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < nrows; i++) {
            scales[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(given, i));
        }
        Py_DECREF(given);
        if (PyErr_Occurred()) goto done;
    }
    if (bounds_o != Py_None) {
        if (get(bounds_o, &bounds_b, 0, "bounds") < 0) goto done;
        if (bounds_b.itemsize != 8 || bounds_b.len / 8 != nterms) {
            PyErr_SetString(PyExc_ValueError, "bounds: a float64 per row");
            goto done;
        }
        /* each distinct row's bound (its repeats' scales added up), rows of least bound first */
        bound = PyMem_Malloc(sizeof(double) * (nrows ? nrows : 1));
        by_bound = PyMem_Malloc(sizeof(Py_ssize_t) * (nrows ? nrows : 1));
        skip = PyMem_Calloc(nrows ? nrows : 1, 1);
        mark = PyMem_Calloc(BLOCK, 1);
        if (bound == NULL || by_bound == NULL || skip == NULL || mark == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        const double *best = bounds_b.buf;
        int usable = base >= 0;
        for (Py_ssize_t r = 0; r < nrows; r++) {
            Py_ssize_t first_at = r;
            for (Py_ssize_t q = 0; q < r; q++)
                if (rows[q] == rows[r]) { first_at = q; break; }
            double scale = scales ? scales[r] : 1.0;
            usable &= scale > 0 && best[rows[r]] >= 0;
            if (first_at == r) {
                bound[r] = scale * best[rows[r]];
                by_bound[nunique++] = r;
            } else {
                bound[first_at] += scale * best[rows[r]];
            }
        }
        for (Py_ssize_t i = 1; i < nunique; i++) /* insertion sort: a question's few terms */
            for (Py_ssize_t j = i; j > 0 && bound[by_bound[j]] < bound[by_bound[j - 1]]; j--) {
                Py_ssize_t t = by_bound[j];
                by_bound[j] = by_bound[j - 1];
                by_bound[j - 1] = t;
            }
        if (!usable || nunique < 2) nunique = 0; /* no pruning */
    }
    if (k < 1) k = 1;
    heap = PyMem_Malloc(sizeof(Hit) * k);
    cursor = PyMem_Malloc(sizeof(int64_t) * 2 * (nrows ? nrows : 1));
    if (heap == NULL || cursor == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t *first = cursor + nrows; /* where each row's postings of the block begin */
    const int64_t *offsets = offsets_b.buf;
    const int32_t *docs = docs_b.buf;
    double *scratch = scratch_b.buf;
    Py_ssize_t ndocs = scratch_b.len / 8, size = 0, above = 0;
    int single = weights_b.itemsize == 4;
    const float *w32 = weights_b.buf;
    const double *w64 = weights_b.buf;

    Py_BEGIN_ALLOW_THREADS
    /* A block of documents at a time, their sums in the first BLOCK entries of the scratch
     * buffer: scattered over the whole buffer (8 MB at a million documents) nearly every
     * addition missed the cache. Each row's postings are ascending, so a block's are the next
     * run of them; within a document the additions are made in row order, as before. */
    for (Py_ssize_t r = 0; r < nrows; r++) cursor[r] = offsets[rows[r]];
    for (Py_ssize_t lo = 0; lo < ndocs; lo += BLOCK) {
        Py_ssize_t hi = lo + BLOCK < ndocs ? lo + BLOCK : ndocs;
        int pruned = nunique && size == k && prune(bound, by_bound, nunique, base, heap[0].value,
                                                    rows, nrows, skip);
        if (pruned) { /* the documents of the rows kept: only there may the others add */
            for (Py_ssize_t r = 0; r < nrows; r++) {
                if (skip[r]) continue;
                for (int64_t p = cursor[r], end = offsets[rows[r] + 1]; p < end; p++) {
                    int32_t d = docs[p];
                    if (d >= hi) break;
                    if (d >= lo) mark[d - lo] = 1;
                }
            }
        }
        for (Py_ssize_t r = 0; r < nrows; r++) { /* per query term, repeats too, in order */
            double scale = scales ? scales[r] : 1.0;
            int64_t p = cursor[r], end = offsets[rows[r] + 1];
            int only_marked = pruned && skip[r];
            first[r] = p;
            for (; p < end; p++) {
                int32_t d = docs[p];
                if (d >= hi) break;
                if (d < lo) continue; /* below zero: not a document */
                if (only_marked && !mark[d - lo]) continue;
                double w = single ? (double)w32[p] : w64[p];
                scratch[d - lo] += scales ? scale * w : w;
            }
            cursor[r] = p;
        }
        for (Py_ssize_t r = 0; r < nrows; r++) { /* read each touched document once */
            if (pruned && skip[r]) continue; /* its documents are those of the rows kept */
            int seen = 0;
            for (Py_ssize_t q = 0; q < r; q++) seen |= rows[q] == rows[r];
            if (seen) continue;
            for (int64_t p = first[r]; p < cursor[r]; p++) {
                int32_t d = docs[p];
                if (d < lo) continue;
                if (pruned) mark[d - lo] = 0;
                double sum = scratch[d - lo];
                if (sum == 0.0) continue;
                scratch[d - lo] = 0.0;
                Hit hit = {sum + base, d};
                if (!(hit.value > base)) continue;
                above++;
                if (size < k) {
                    heap[size] = hit;
                    sift_up(heap, size++);
                } else if (worse(&heap[0], &hit)) {
                    heap[0] = hit;
                    sift_down(heap, size, 0);
                }
            }
        }
    }
    qsort(heap, size, sizeof(Hit), better_first);
    Py_END_ALLOW_THREADS

    PyObject *found = PyList_New(size);
    if (found == NULL) goto done;
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *pair = Py_BuildValue("(id)", (int)heap[i].doc, heap[i].value);
        if (pair == NULL) {
            Py_DECREF(found);
            goto done;
        }
        PyList_SET_ITEM(found, i, pair);
    }
    result = Py_BuildValue("(Nn)", found, above);
done:
    PyMem_Free(heap);
    PyMem_Free(cursor);
    PyMem_Free(rows);
    PyMem_Free(scales);
    PyMem_Free(bound);
    PyMem_Free(by_bound);
    PyMem_Free(skip);
    PyMem_Free(mark);
    if (bounds_b.obj) PyBuffer_Release(&bounds_b);
    if (offsets_b.obj) PyBuffer_Release(&offsets_b);
    if (docs_b.obj) PyBuffer_Release(&docs_b);
    if (weights_b.obj) PyBuffer_Release(&weights_b);
    if (scratch_b.obj) PyBuffer_Release(&scratch_b);
    return result;
}

static PyMethodDef methods[] = {
    {"top_k", top_k, METH_VARARGS, "The k best documents above the base, and how many are."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_topk", NULL, -1, methods};

PyMODINIT_FUNC PyInit__topk(void) { return PyModule_Create(&module); }
