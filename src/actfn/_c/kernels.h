/* The kernel tables: one per family file (k_<family>.c), gathered by module.c.
 *
 * An elementwise kernel maps n float32 inputs to n float32 results, computing
 * in double and rounding once (see vmath.h; k_avx512.c's kernels, where the
 * processor has AVX-512, compute in float32 with two-float sums instead).  x
 * and y never alias (the driver in module.c copies through a buffer when the
 * caller passes out=x).  P holds
 * the activation's parameters that the entry names, in that order, as doubles:
 * a parameter that is None arrives as NaN, booleans as 0 or 1.
 *
 * A row kernel maps `rows` rows of `len` float32 inputs (row i at x + i*len) to
 * rows of `olen` results (at y + i*olen): the functions along an axis, with the
 * axis last and the rows contiguous.
 *
 * Every kernel must give, for every input, NaN where the activation's generic
 * form gives NaN, its signed zeros and infinities, and values within 1 float32
 * ULP of it (checked by tests/test_engine.py against the generic form).
 */
#ifndef ACTFN_KERNELS_H
#define ACTFN_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

#include "vmath.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* One copy per instruction set (x86-64-v4: AVX-512; v3: AVX2 and FMA; the
 * baseline), chosen at load time.  The arithmetic is the same in each (no FMA
 * contraction: -ffp-contract=off; fused steps are explicit, vm_fma), so are the
 * results. */
#define ACTFN_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ACTFN_CLONES
#endif

typedef void (*actfn_ew_fn)(const float *restrict x, float *restrict y, Py_ssize_t n,
                            const double *restrict P);
typedef void (*actfn_rows_fn)(const float *restrict x, float *restrict y, Py_ssize_t rows,
                              Py_ssize_t len, Py_ssize_t olen, const double *restrict P);

typedef struct {
    const char *name;   /* the activation's registry name */
    const char *params; /* the parameters P holds, comma-separated ("" for none) */
    actfn_ew_fn fn;
} actfn_ew_entry;

typedef struct {
    const char *name;
    const char *params;
    actfn_rows_fn fn;
} actfn_rows_entry;

/* A float64 elementwise kernel: n doubles to n doubles.  Only functions whose
 * double arithmetic is the generic form's own, operation for operation
 * (selections, clips, at most a sum, product or quotient per step), have one:
 * their results are the float64 generic form's, bit for bit. */
typedef void (*actfn_ew64_fn)(const double *restrict x, double *restrict y, Py_ssize_t n,
                              const double *restrict P);

typedef struct {
    const char *name;
    const char *params;
    actfn_ew64_fn fn;
} actfn_ew64_entry;

/* Define an elementwise kernel on arrays of T (float or double): the body (the
 * macro's remaining arguments) reads the double x and sets the double y, which
 * is rounded to T once.  Read parameters P[i] unconditionally (into locals): a
 * read inside a conditional expression keeps GCC from vectorising the loop. */
#define ACTFN_EW_OF(T, fname, ...)                                                  \
    ACTFN_CLONES static void fname(const T *restrict xs, T *restrict ys,          \
                                   Py_ssize_t n, const double *restrict P)        \
    {                                                                              \
        (void)P;                                                                   \
        for (Py_ssize_t i = 0; i < n; i++) {                                       \
            double x = xs[i];                                                      \
            double y;                                                              \
            __VA_ARGS__;                                                           \
            ys[i] = (T)y;                                                          \
        }                                                                          \
    }

/* A float32 kernel, and a float64 one (doubles read and written as they are). */
#define ACTFN_EW(fname, ...) ACTFN_EW_OF(float, fname, __VA_ARGS__)
#define ACTFN_EW64(fname, ...) ACTFN_EW_OF(double, fname, __VA_ARGS__)

/* Both kernels of one body: base_f32 (float32, rounded once) and base_f64. */
#define ACTFN_EW_BOTH(base, ...)                                                    \
    ACTFN_EW(base##_f32, __VA_ARGS__)                                              \
    ACTFN_EW64(base##_f64, __VA_ARGS__)

/* Float32-arithmetic kernels for processors with AVX-512 (k_avx512.c): built
 * with GCC or Clang on x86-64 (not with -DACTFN_NO_AVX512); used where
 * actfn_avx512 is 1 (set when the module loads, from the processor;
 * actfn._cnative.avx512 switches it). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(ACTFN_NO_AVX512)
#define ACTFN_HAVE_AVX512 1
extern int actfn_avx512;
int actfn_avx512_supported(void);
void actfn_sigmoid512(const float *restrict x, float *restrict y, Py_ssize_t n);
void actfn_silu512(const float *restrict x, float *restrict y, Py_ssize_t n);
void actfn_softplus512(const float *restrict x, float *restrict y, Py_ssize_t n);
void actfn_gelu512(const float *restrict x, float *restrict y, Py_ssize_t n);
void actfn_hard_sigmoid512(const float *restrict x, float *restrict y, Py_ssize_t n);
void actfn_hard_silu512(const float *restrict x, float *restrict y, Py_ssize_t n);
void actfn_hard_tanh512(const float *restrict x, float *restrict y, Py_ssize_t n, double lo,
                        double hi);
void actfn_leaky_relu512(const float *restrict x, float *restrict y, Py_ssize_t n, double a);
void actfn_soft_shrink512(const float *restrict x, float *restrict y, Py_ssize_t n, float t);
int actfn_glu512(const float *restrict a, const float *restrict b, float *restrict y,
                 Py_ssize_t n);
void actfn_check512(int kind, uint64_t lo, uint64_t hi, double *maxerr, float *worst,
                    int64_t *bad);
/* In an entry's body: run `call` (an AVX-512 kernel) and return, where enabled. */
#define ACTFN_USE_512(call)                                                        \
    do {                                                                           \
        if (actfn_avx512 == 1) {                                                   \
            call;                                                                  \
            return;                                                                \
        }                                                                          \
    } while (0)
#else
#define ACTFN_HAVE_AVX512 0
#define ACTFN_USE_512(call) ((void)0)
#endif

/* Each family's table, ended by an entry whose name is NULL. */
extern const actfn_ew_entry actfn_ew_rectifiers[];
extern const actfn_ew_entry actfn_ew_exponential[];
extern const actfn_ew_entry actfn_ew_sigmoidal[];
extern const actfn_ew_entry actfn_ew_smooth[];
extern const actfn_ew_entry actfn_ew_shrinkage[];
extern const actfn_ew_entry actfn_ew_other[];
extern const actfn_rows_entry actfn_rows_normalizing[];
extern const actfn_ew64_entry actfn_ew64_rectifiers[];
extern const actfn_ew64_entry actfn_ew64_sigmoidal[];
extern const actfn_ew64_entry actfn_ew64_smooth[];
extern const actfn_ew64_entry actfn_ew64_shrinkage[];

#endif
