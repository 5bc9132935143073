/*
 * Shared by the translation units of faasguard.logs._scan (_scan.c: log lines,
 * _scan_json.c: CloudWatch Logs subscription payloads): numpy arrays and bytes reach C
 * through the buffer protocol, and the payload functions are registered by _scan.c.
 */
#ifndef FAASGUARD_SCAN_H
#define FAASGUARD_SCAN_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ------------------------------------------------------------------ buffers ---------- */

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static inline int get_buf(PyObject *obj, Buf *buf, int writable, Py_ssize_t min_bytes,
                          const char *name) {
    if (PyObject_GetBuffer(obj, &buf->view,
                           (writable ? PyBUF_WRITABLE : PyBUF_SIMPLE) | PyBUF_C_CONTIGUOUS) <
        0) {
        return -1;
    }
    buf->held = 1;
    if (buf->view.len < min_bytes) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, need %zd", name, buf->view.len,
                     min_bytes);
        return -1;
    }
    return 0;
}

static inline void release(Buf *bufs, int count) {
    for (int i = 0; i < count; i++) {
        if (bufs[i].held) {
            PyBuffer_Release(&bufs[i].view);
            bufs[i].held = 0;
        }
    }
}

PyObject *scan_envelopes(PyObject *self, PyObject *args);
PyObject *scan_payload_events(PyObject *self, PyObject *args);
extern const char scan_envelopes_doc[];
extern const char scan_payload_events_doc[];

#endif
