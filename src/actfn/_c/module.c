/* actfn._cnative: compiled float32 (and a few float64) kernels for the NumPy engine.
 *
 * Python sees five functions:
 *   kernels()  -> {name: (kind, index, params)}, kind "ew" or "rows"
 *   kernels64() -> {name: (index, params)}, the float64 elementwise kernels
 *   ew(index, params, x, y, start, stop)
 *       y[start:stop] = f(x[start:stop]) for 1-D C-contiguous float32 buffers
 *   ew64(index, params, x, y, start, stop): the same for float64 buffers
 *   rows(index, params, x, y, start, stop, len, olen)
 *       rows start..stop-1 of x (len floats each) into y (olen floats each)
 * Both release the GIL while they compute, so the engine's threads run them at
 * once.  Two more, for tests and measurements of k_avx512.c's kernels:
 *   avx512(flag=None) -> whether they are used (flag: switch them on or off)
 *   check512(kind, lo, hi) -> (max ULP error, worst input, mismatches)  The Python side (actfn/_native.py) checks dtypes and layouts; this
 * file checks only what would make it read or write out of bounds.
 */
#include "kernels.h"

#define MAXP 8
#define CHUNK 2048

static const actfn_ew_entry *const ew_tables[] = {
    actfn_ew_rectifiers, actfn_ew_exponential, actfn_ew_sigmoidal,
    actfn_ew_smooth,     actfn_ew_shrinkage,   actfn_ew_other,
};
static const actfn_rows_entry *const rows_tables[] = {actfn_rows_normalizing};
static const actfn_ew64_entry *const ew64_tables[] = {
    actfn_ew64_rectifiers, actfn_ew64_sigmoidal, actfn_ew64_smooth, actfn_ew64_shrinkage};

#define NTABLES(t) (sizeof(t) / sizeof((t)[0]))

/* fname(index): the index-th entry over the tables, in order (NULL past the end). */
#define TABLES_AT(fname, T, tables)                                                \
    static const T *fname(Py_ssize_t index)                                        \
    {                                                                              \
        Py_ssize_t k = 0;                                                          \
        for (size_t t = 0; t < NTABLES(tables); t++)                               \
            for (const T *e = tables[t]; e->name != NULL; e++, k++)                \
                if (k == index)                                                    \
                    return e;                                                      \
        return NULL;                                                               \
    }

TABLES_AT(ew_at, actfn_ew_entry, ew_tables)
TABLES_AT(rows_at, actfn_rows_entry, rows_tables)
TABLES_AT(ew64_at, actfn_ew64_entry, ew64_tables)

/* d[name] = (kind, k, params), or (k, params) where kind is NULL. */
static int add_entry(PyObject *d, const char *kind, Py_ssize_t k, const char *name,
                     const char *params)
{
    PyObject *v = kind != NULL ? Py_BuildValue("(sns)", kind, k, params)
                               : Py_BuildValue("(ns)", k, params);
    int r = v == NULL ? -1 : PyDict_SetItemString(d, name, v);
    Py_XDECREF(v);
    return r;
}

/* The kernel tables as dicts; built once by the Python side. */
static PyObject *kernels(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *d = PyDict_New();
    const actfn_ew_entry *e;
    const actfn_rows_entry *r;
    if (d == NULL)
        return NULL;
    for (Py_ssize_t k = 0; (e = ew_at(k)) != NULL; k++)
        if (add_entry(d, "ew", k, e->name, e->params) < 0)
            goto fail;
    for (Py_ssize_t k = 0; (r = rows_at(k)) != NULL; k++)
        if (add_entry(d, "rows", k, r->name, r->params) < 0)
            goto fail;
    return d;
fail:
    Py_DECREF(d);
    return NULL;
}

static PyObject *kernels64(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *d = PyDict_New();
    const actfn_ew64_entry *e;
    if (d == NULL)
        return NULL;
    for (Py_ssize_t k = 0; (e = ew64_at(k)) != NULL; k++)
        if (add_entry(d, NULL, k, e->name, e->params) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    return d;
}

static int parse_params(PyObject *params, double *P)
{
    if (!PyTuple_Check(params) || PyTuple_GET_SIZE(params) > MAXP) {
        PyErr_SetString(PyExc_TypeError, "params must be a tuple of at most 8 floats");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(params); i++) {
        P[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(params, i));
        if (P[i] == -1.0 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

static int check_range(Py_ssize_t start, Py_ssize_t stop)
{
    if (start < 0 || stop < start) {
        PyErr_Format(PyExc_ValueError, "need 0 <= start <= stop; got start=%zd, stop=%zd", start,
                     stop);
        return -1;
    }
    return 0;
}

static int check_buffer_of(Py_buffer *b, Py_ssize_t need, const char *what, Py_ssize_t size)
{
    if (b->itemsize != size || b->len < need * size) {
        PyErr_Format(PyExc_ValueError, "%s: a float%d buffer of at least %zd elements is needed",
                     what, (int)(8 * size), need);
        return -1;
    }
    return 0;
}

static int check_buffer(Py_buffer *b, Py_ssize_t need, const char *what)
{
    return check_buffer_of(b, need, what, 4);
}

/* A float32 (size 4: e) or float64 (size 8: e64) elementwise kernel on n elements. */
static void call_ew(const actfn_ew_entry *e, const actfn_ew64_entry *e64, const char *x, char *y,
                    Py_ssize_t n, const double *P)
{
    if (e != NULL)
        e->fn((const float *)x, (float *)y, n, P);
    else
        e64->fn((const double *)x, (double *)y, n, P);
}

/* ew (size 4) and ew64 (size 8): y[start:stop] = f(x[start:stop]). */
static PyObject *ew_sized(PyObject *args, Py_ssize_t size)
{
    Py_ssize_t index, start, stop;
    PyObject *params;
    Py_buffer bx, by;
    double P[MAXP] = {0};
    if (!PyArg_ParseTuple(args, "nOy*w*nn", &index, &params, &bx, &by, &start, &stop))
        return NULL;
    const actfn_ew_entry *e = size == 4 ? ew_at(index) : NULL;
    const actfn_ew64_entry *e64 = size == 8 ? ew64_at(index) : NULL;
    PyObject *result = NULL;
    if (e == NULL && e64 == NULL) {
        PyErr_SetString(PyExc_IndexError, size == 4 ? "no such elementwise kernel"
                                                    : "no such float64 kernel");
        goto done;
    }
    if (check_range(start, stop) < 0 || check_buffer_of(&bx, stop, "x", size) < 0 ||
        check_buffer_of(&by, stop, "y", size) < 0 || parse_params(params, P) < 0)
        goto done;
    const char *x = (const char *)bx.buf + start * size;
    char *y = (char *)by.buf + start * size;
    Py_ssize_t n = stop - start;
    Py_BEGIN_ALLOW_THREADS
    if ((const void *)x != (const void *)y) {
        call_ew(e, e64, x, y, n, P);
    } else {
        /* out=x: results go through a buffer, since kernels assume no aliasing */
        double buf[CHUNK];
        for (Py_ssize_t s = 0; s < n; s += CHUNK) {
            Py_ssize_t m = n - s < CHUNK ? n - s : CHUNK;
            call_ew(e, e64, x + s * size, (char *)buf, m, P);
            memcpy(y + s * size, buf, (size_t)(m * size));
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&bx);
    PyBuffer_Release(&by);
    return result;
}

static PyObject *ew(PyObject *self, PyObject *args)
{
    (void)self;
    return ew_sized(args, 4);
}

static PyObject *ew64(PyObject *self, PyObject *args)
{
    (void)self;
    return ew_sized(args, 8);
}

static PyObject *rows(PyObject *self, PyObject *args)
{
    (void)self;
    Py_ssize_t index, start, stop, len, olen;
    PyObject *params;
    Py_buffer bx, by;
    double P[MAXP] = {0};
    if (!PyArg_ParseTuple(args, "nOy*w*nnnn", &index, &params, &bx, &by, &start, &stop, &len,
                          &olen))
        return NULL;
    const actfn_rows_entry *e = rows_at(index);
    PyObject *result = NULL;
    if (e == NULL) {
        PyErr_SetString(PyExc_IndexError, "no such row kernel");
        goto done;
    }
    if (len < 1 || olen < 1) {
        PyErr_SetString(PyExc_ValueError, "row lengths must be positive");
        goto done;
    }
    if (check_range(start, stop) < 0 || check_buffer(&bx, stop * len, "x") < 0 || check_buffer(&by, stop * olen, "y") < 0 ||
        parse_params(params, P) < 0)
        goto done;
    if (bx.buf == by.buf) {
        PyErr_SetString(PyExc_ValueError, "row kernels need an output apart from x");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    e->fn((const float *)bx.buf + start * len, (float *)by.buf + start * olen, stop - start, len,
          olen, P);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&bx);
    PyBuffer_Release(&by);
    return result;
}

/* avx512(flag=None): whether sigmoid, silu, glu, softplus and gelu take k_avx512.c's kernels;
 * a flag switches them on (where the processor has AVX-512) or off.  Returns the
 * setting before the call. */
static PyObject *avx512(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *flag = Py_None;
    if (!PyArg_ParseTuple(args, "|O", &flag))
        return NULL;
#if ACTFN_HAVE_AVX512
    int previous = actfn_avx512 == 1;
    if (flag != Py_None) {
        int on = PyObject_IsTrue(flag);
        if (on < 0)
            return NULL;
        actfn_avx512 = on && actfn_avx512_supported();
    }
    return PyBool_FromLong(previous);
#else
    if (flag != Py_None && PyObject_IsTrue(flag) < 0)
        return NULL;
    Py_RETURN_FALSE;
#endif
}

/* check512(kind, lo, hi): k_avx512.c's kernel `kind` (0 sigmoid, 1 silu, 2 glu, 3 softplus, 4 gelu)
 * against the double formula for the float32 bit patterns in [lo, hi). */
static PyObject *check512(PyObject *self, PyObject *args)
{
    (void)self;
    int kind;
    unsigned long long lo, hi;
    if (!PyArg_ParseTuple(args, "iKK", &kind, &lo, &hi))
        return NULL;
#if ACTFN_HAVE_AVX512
    if (kind < 0 || kind > 4 || hi > (1ULL << 32) || lo > hi) {
        PyErr_SetString(PyExc_ValueError, "check512: kind 0 to 4 and 0 <= lo <= hi <= 2**32");
        return NULL;
    }
    if (!actfn_avx512_supported()) {
        PyErr_SetString(PyExc_RuntimeError, "check512: this processor has no AVX-512");
        return NULL;
    }
    double maxerr;
    float worst;
    int64_t bad;
    Py_BEGIN_ALLOW_THREADS
    actfn_check512(kind, lo, hi, &maxerr, &worst, &bad);
    Py_END_ALLOW_THREADS
    return Py_BuildValue("(ddL)", maxerr, (double)worst, (long long)bad);
#else
    PyErr_SetString(PyExc_RuntimeError, "check512: built without the AVX-512 kernels");
    return NULL;
#endif
}

static PyMethodDef methods[] = {
    {"kernels", kernels, METH_NOARGS, "The compiled kernels: {name: (kind, index, params)}."},
    {"kernels64", kernels64, METH_NOARGS, "The float64 kernels: {name: (index, params)}."},
    {"ew", ew, METH_VARARGS, "ew(index, params, x, y, start, stop): an elementwise kernel."},
    {"ew64", ew64, METH_VARARGS,
     "ew64(index, params, x, y, start, stop): a float64 elementwise kernel."},
    {"rows", rows, METH_VARARGS,
     "rows(index, params, x, y, start, stop, len, olen): a row kernel."},
    {"avx512", avx512, METH_VARARGS,
     "avx512(flag=None): whether sigmoid, silu and glu use their AVX-512 kernels."},
    {"check512", check512, METH_VARARGS,
     "check512(kind, lo, hi): (max ULP error, worst input, mismatches) of an AVX-512 kernel."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "actfn._cnative", "Compiled float32 kernels for actfn's engine.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__cnative(void)
{
#if ACTFN_HAVE_AVX512
    actfn_avx512 = actfn_avx512_supported();
#endif
    return PyModule_Create(&moduledef);
}
