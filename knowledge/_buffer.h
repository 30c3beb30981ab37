/* A Python object's contiguous buffer, for the project's C parts (_topk.c, _rows.c,
 * _candidates.c): a TypeError naming the argument when it is not one. Included, not linked:
 * each extension is built alone. */
#ifndef KNOWLEDGE_BUFFER_H
#define KNOWLEDGE_BUFFER_H

#include <Python.h>

static int get(PyObject *object, Py_buffer *view, int writable, const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT |
                                             (writable ? PyBUF_WRITABLE : 0)) < 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous buffer", name);
        return -1;
    }
    return 0;
}

#endif
