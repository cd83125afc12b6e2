/* Row kernels: functions along an axis (see kernels.h), for rows of float32.
 *
 * softmax, log_softmax and softmin: passes over a row, each a loop that GCC
 * vectorises: the maximum (on integer keys of the float32 values, which also
 * finds NaN and infinities), exp(x - max) in double into a double buffer (the
 * row itself up to ROWBUF elements, a scratch row allocated once per call
 * above that) and, in the same loop, its sum (KN_LANES partial sums, so that
 * the sum vectorises without reassociating a single one), then the results (log_softmax: where
 * the sum is below 1 + 2^-8, the sum without the maxima and their number, in
 * two more passes).  Rows with NaN or an infinite maximum
 * (a +inf entry, or all -inf) take a scalar path with the generic form's rules.
 *
 * glu, swiglu, reglu: x = [a, b] split in halves, one elementwise loop.
 *
 * Error argument (float32 results): x - m is exact or carries 2^-53 relative;
 * kn_exp has relative error below 3e-9 (see there); a sum of n positive terms
 * in KN_LANES partial sums carries at most (n/KN_LANES + 4) 2^-53 relative;
 * the quotient or difference (no cancellation: z <= 0 <= log) a few more
 * roundings.  All together below 3.1e-9 = 0.05 float32 ULP, far below 2^-25,
 * the relative error that would move a float32 rounding by a whole ULP (see
 * vmath.h), so each result is within 1 float32 ULP of the generic form's
 * (itself within a few float64 ULPs of the exact value).  Measured (actfn
 * accuracy, float32): at most 1 ULP from mpmath for every function here.
 */
#include "kernels.h"

#define ROWBUF 1024 /* doubles of a row held on the stack (8 KiB) */
#define KN_LANES 16 /* partial sums: two AVX-512 registers of double */
/* Helpers are inlined into each entry (and so into each of its instruction-set
 * copies), where sign and log are constants. */
#define KN_INLINE static inline __attribute__((always_inline))

/* The kernels here use fused multiply-adds (fma, rounded once, the same on
 * every machine): single instructions in the x86-64-v4 and v3 copies of
 * ACTFN_CLONES (kernels.h), calls to the C library's fma in the default copy. */
#ifndef KN_CLONES /* (a test build may define it empty, to compile one copy) */
#define KN_CLONES ACTFN_CLONES
#endif

/* Adding it rounds t to an integer k and leaves k + 1023 in the low bits. */
#define KN_SHIFT (0x1.8p52 + 1023.0)
#define KN_LN2 0x1.62e42fefa39efp-1

/* e^z for z <= 0, z below lo taken as lo (lo >= -708: 2^k stays a normal
 * double), NaN as lo too unless keep_nan (callers that need NaN kept set it,
 * at the cost of one more select; the others have found it beforehand).
 *
 * z = k ln2 + r, |r| <= 0.3466, each step one fma, rounded once: k is z/ln2
 * rounded to an integer (|k| <= 1022), r = z - k ln2 carries ln2's rounding
 * times k (below 2.4e-14 absolute) and its own, and z is x - m rounded (2^-53
 * |z| <= 1e-13): e^r carries below 2e-13 relative from these.  e^r: a degree-6
 * Chebyshev fit on [-0.3466, 0.3466] (mpmath.chebyfit; its relative error,
 * scanned at 2001 points with the coefficients rounded to double as here, is
 * below 2.6e-9), by Horner's rule in fmas (a few 2^-53 more).  2^k: k + 1023
 * from t's low bits shifted into the exponent field.  In all, below 3e-9:
 * 0.05 float32 ULP. */
KN_INLINE double kn_exp(double z, double lo, int keep_nan)
{
    if (keep_nan)
        z = z < lo ? lo : z;
    else
        z = z > lo ? z : lo;
    double t = fma(z, VM_INVLN2, KN_SHIFT);
    double kk = t - KN_SHIFT;
    double r = fma(-kk, KN_LN2, z);
    double s = vm_from_bits(vm_bits(t) << 52);
    double p = 0.0013941108735823515;
    p = fma(p, r, 0.008375126639835365);
    p = fma(p, r, 0.04166635289314982);
    p = fma(p, r, 0.16666415511750649);
    p = fma(p, r, 0.5000000047118573);
    p = fma(p, r, 1.0000000377168674);
    p = fma(p, r, 1.0);
    return s * p;
}

/* Below this, e^(x - max) times anything up to 1 rounds to float32 0 (the
 * smallest float32 is e^-103.3): the clamp keeps 2^k normal, the result 0. */
#define SOFTMAX_LO (-110.0)

/* A float32's bits as an int32 that orders as the value does (-0 just below
 * +0; NaNs beyond the infinities, by their sign bit), and back: integer
 * maxima vectorise, float ones with NaN's rules do not. */
KN_INLINE int32_t kn_key(float v)
{
    int32_t b;
    memcpy(&b, &v, 4);
    return b ^ (int32_t)((uint32_t)(b >> 31) >> 1);
}

KN_INLINE float kn_unkey(int32_t k)
{
    int32_t b = k ^ (int32_t)((uint32_t)(k >> 31) >> 1);
    float v;
    memcpy(&v, &b, 4);
    return v;
}

/* Ask for the next row's cache lines while this one is computed (none past the
 * last row): a gated unit's row is two short runs, [a, b], which the hardware
 * prefetcher follows poorly here (glu, 10^4 rows of 1000 on one core: 6.1 ->
 * 3.4 ms).  (softmax's rows, read in one stream, gain nothing from it.) */
KN_INLINE void prefetch_row(const float *next, Py_ssize_t len, Py_ssize_t rows_left)
{
    if (rows_left > 1)
        for (Py_ssize_t j = 0; j < len; j += 16)
            __builtin_prefetch(next + j);
}

/* The maximum of sign * x over a row, by the keys; *odd is set when it is not
 * finite or the row holds a NaN (whose key lies beyond an infinity's). */
KN_INLINE float row_max(const float *restrict x, Py_ssize_t n, float sign, int *odd)
{
    int32_t h = INT32_MIN, g = INT32_MAX;
    for (Py_ssize_t j = 0; j < n; j++) {
        int32_t k = kn_key(sign * x[j]);
        h = k > h ? k : h;
        g = k < g ? k : g;
    }
    /* finite maximum: below +inf's key and above -inf's; no NaN: at least -inf's */
    *odd = !(h < kn_key(__builtin_inff()) && h > kn_key(-__builtin_inff()) &&
             g >= kn_key(-__builtin_inff()));
    return kn_unkey(h);
}

/* Where a double exp is 0 (NumPy's and the generic form's): z below this. */
#define EXP_UNDER (-745.1332191019411)

/* w[j] = e^(sign x[j] - m).  With drop_top (log_softmax's rest): 0 where
 * sign x[j] == m, and e^z clamped at -708 only (n entries of e^-110 could add
 * up to a float32 result), 0 where the double exp is 0: whether the rest is 0
 * decides the sign of the maximum's result, -rest (+0 for rest = 0). */
KN_INLINE void row_exp(const float *restrict x, double *restrict w, Py_ssize_t n, float sign,
                       double m, int drop_top)
{
    if (drop_top) {
        for (Py_ssize_t j = 0; j < n; j++) {
            double z = (double)(sign * x[j]) - m;
            double e = kn_exp(z, -708.0, 0);
            w[j] = z == 0.0 || z < EXP_UNDER ? 0.0 : e;
        }
    } else {
        for (Py_ssize_t j = 0; j < n; j++)
            w[j] = kn_exp((double)(sign * x[j]) - m, SOFTMAX_LO, 0);
    }
}

/* The sum of w[0..n) in KN_LANES partial sums (the same order on every
 * instruction set, so results do not depend on the machine). */
KN_INLINE double row_sum(const double *restrict w, Py_ssize_t n)
{
    double acc[KN_LANES] = {0};
    Py_ssize_t j = 0;
    for (; j + KN_LANES <= n; j += KN_LANES)
        for (int l = 0; l < KN_LANES; l++)
            acc[l] += w[j + l];
    for (int l = 0; j < n; j++, l++)
        acc[l] += w[j];
    for (int h = KN_LANES / 2; h > 0; h /= 2)
        for (int l = 0; l < h; l++)
            acc[l] += acc[l + h];
    return acc[0];
}

/* row_exp (without drop_top) and row_sum in one pass: the same exps, summed in
 * the same order (KN_LANES partial sums, then halves), without reading w back;
 * with keep = 0 (log_softmax, which needs their sum alone) w is not written. */
KN_INLINE double row_exp_sum(const float *restrict x, double *restrict w, Py_ssize_t n,
                             float sign, double m, int keep)
{
    double acc[KN_LANES] = {0};
    Py_ssize_t j = 0;
    for (; j + KN_LANES <= n; j += KN_LANES)
        for (int l = 0; l < KN_LANES; l++) {
            double e = kn_exp((double)(sign * x[j + l]) - m, SOFTMAX_LO, 0);
            if (keep)
                w[j + l] = e;
            acc[l] += e;
        }
    for (int l = 0; j < n; j++, l++) {
        double e = kn_exp((double)(sign * x[j]) - m, SOFTMAX_LO, 0);
        if (keep)
            w[j] = e;
        acc[l] += e;
    }
    for (int h = KN_LANES / 2; h > 0; h /= 2)
        for (int l = 0; l < h; l++)
            acc[l] += acc[l + h];
    return acc[0];
}

/* The number of entries with sign x[j] == m. */
KN_INLINE Py_ssize_t row_count(const float *restrict x, Py_ssize_t n, float sign, float m)
{
    /* 32-bit counts vectorise twice as wide: pieces of 2^30 entries */
    Py_ssize_t total = 0;
    for (Py_ssize_t s = 0; s < n; s += (Py_ssize_t)1 << 30) {
        Py_ssize_t e = n - s > ((Py_ssize_t)1 << 30) ? s + ((Py_ssize_t)1 << 30) : n;
        int32_t c = 0;
        for (Py_ssize_t j = s; j < e; j++)
            c += sign * x[j] == m;
        total += c;
    }
    return total;
}

KN_INLINE void row_scale(const double *restrict w, float *restrict y, Py_ssize_t n,
                                   double f)
{
    for (Py_ssize_t j = 0; j < n; j++)
        y[j] = (float)(w[j] * f);
}

/* y[j] = (sign x[j] - m) - L */
KN_INLINE void row_shift(const float *restrict x, float *restrict y, Py_ssize_t n,
                                   float sign, double m, double L)
{
    for (Py_ssize_t j = 0; j < n; j++)
        y[j] = (float)(((double)(sign * x[j]) - m) - L);
}

/* The scalar path for a row of sign * x whose maximum m is not finite: NaN
 * anywhere gives a NaN row; otherwise (m = +inf, or -inf for a row of all -inf)
 * the `count` entries equal to m share the mass, the others get 0 (log: -inf). */
static void row_special(const float *restrict x, float *restrict y, Py_ssize_t n, float sign,
                        float m, int log)
{
    Py_ssize_t count = 0;
    int nan = 0;
    for (Py_ssize_t j = 0; j < n; j++) {
        float v = sign * x[j];
        nan |= v != v;
        count += v == m;
    }
    /* log: z - log1p(count - 1) with z = 0 (+0 for a single maximum, as 0 - 0) */
    double top = log ? 0.0 - vm_log1p((double)count - 1.0) : 1.0 / (double)count;
    float rest = log ? -__builtin_inff() : 0.0f;
    for (Py_ssize_t j = 0; j < n; j++)
        y[j] = nan ? __builtin_nanf("") : sign * x[j] == m ? (float)top : rest;
}

/* softmax (log = 0) or log_softmax (log = 1) of sign * x, row by row; always
 * inlined into each entry below, so sign and log are constants there. */
KN_INLINE void softmax_like(const float *restrict x, float *restrict y, Py_ssize_t rows,
                            Py_ssize_t len, float sign, int log)
{
    double stack[ROWBUF];
    double *w = stack;
    /* softmax keeps a row's exps for the last pass: rows longer than ROWBUF
     * need a scratch row (without one, out of memory, each chunk's exps are
     * computed twice); log_softmax needs only their sum, a chunk at a time. */
    if (!log && len > ROWBUF) {
        double *heap = PyMem_RawMalloc((size_t)len * sizeof(double));
        if (heap != NULL)
            w = heap;
    }
    Py_ssize_t chunk = w != stack || len <= ROWBUF ? len : ROWBUF;
    for (Py_ssize_t i = 0; i < rows; i++) {
        const float *xr = x + i * len;
        float *yr = y + i * len;
        int odd;
        float m = row_max(xr, len, sign, &odd);
        if (odd) {
            row_special(xr, yr, len, sign, m, log);
            continue;
        }
        double md = m;
        double sum = 0.0;
        for (Py_ssize_t s = 0; s < len; s += chunk) {
            Py_ssize_t n = len - s < chunk ? len - s : chunk;
            sum += row_exp_sum(xr + s, w, n, sign, md, !log);
        }
        if (log) {
            /* log(sum of e) as log1p(rest), rest = sum - 1 (exact: Sterbenz)
             * where that is at least 2^-8: sum's rounding (a few 2^-53) is then
             * below 1e-13 of rest.  Smaller (few rows): rest again as the sum
             * without the maxima (each exactly 1) plus their number minus 1,
             * so that it is not rounded away in 1 + rest (the maximum's result
             * is -rest, not 0). */
            double rest = sum - 1.0;
            if (rest < 0x1p-8) {
                sum = 0.0;
                for (Py_ssize_t s = 0; s < len; s += chunk) {
                    Py_ssize_t n = len - s < chunk ? len - s : chunk;
                    row_exp(xr + s, w, n, sign, md, 1);
                    sum += row_sum(w, n);
                }
                rest = sum + ((double)row_count(xr, len, sign, m) - 1.0);
            }
            row_shift(xr, yr, len, sign, md, vm_log1p(rest));
        } else if (chunk == len) {
            row_scale(w, yr, len, 1.0 / sum);
        } else {
            for (Py_ssize_t s = 0; s < len; s += chunk) {
                Py_ssize_t n = len - s < chunk ? len - s : chunk;
                row_exp(xr + s, w, n, sign, md, 0);
                row_scale(w, yr + s, n, 1.0 / sum);
            }
        }
    }
    if (w != stack)
        PyMem_RawFree(w);
}

/* softmax: the generic form is e / (1 + rest) with e = exp(x - m) (its low-part
 * correction matters only for float64 results).  P[0] is `where`, always NaN
 * here: the Python side sends a mask to the generic form. */
KN_CLONES static void softmax_f32(const float *restrict x, float *restrict y,
                                     Py_ssize_t rows, Py_ssize_t len, Py_ssize_t olen,
                                     const double *restrict P)
{
    if (olen != len) /* never from actfn._native */
        return;
    (void)P;
    softmax_like(x, y, rows, len, 1.0f, 0);
}

/* log_softmax: (x - m) - log1p(rest), as the generic form (where as softmax). */
KN_CLONES static void log_softmax_f32(const float *restrict x, float *restrict y,
                                         Py_ssize_t rows, Py_ssize_t len, Py_ssize_t olen,
                                         const double *restrict P)
{
    if (olen != len) /* never from actfn._native */
        return;
    (void)P;
    softmax_like(x, y, rows, len, 1.0f, 1);
}

/* softmin: softmax of -x (negation is exact), as the generic form. */
KN_CLONES static void softmin_f32(const float *restrict x, float *restrict y,
                                     Py_ssize_t rows, Py_ssize_t len, Py_ssize_t olen,
                                     const double *restrict P)
{
    if (olen != len) /* never from actfn._native */
        return;
    (void)P;
    softmax_like(x, y, rows, len, -1.0f, 0);
}

/* ---------------------------------------------------------------- gated units
 * Row i of x is [a, b], halves of olen = len / 2; y = a * gate(b). */

/* Below this, |a| e^b < 3.4e38 e^-200 rounds to a float32 zero (the smallest is
 * 1.4e-45), so e^b may stand clamped there. */
#define GLU_LO (-200.0)

/* glu: a sigmoid(b) with e = e^-|b|: a / (1 + e) for b >= 0, a e / (1 + e)
 * below, as the generic form (whose times_exp keeps a e^b unrounded below the
 * exp underflow point; here e^b is clamped where the result is 0 anyway, and a
 * e stays a normal double).  NaN in a or b gives NaN.  An infinite a gives
 * itself, except where the generic form's times_exp has its scaled e^b
 * underflow to 0 (b + 47.5 below EXP_UNDER, b clamped at -2000): NaN. */
KN_CLONES static void glu_f32(const float *restrict x, float *restrict y, Py_ssize_t rows,
                                 Py_ssize_t len, Py_ssize_t olen, const double *restrict P)
{
    (void)P;
    if (len < 2 * olen) /* never from actfn._native: it passes len = 2 olen */
        return;
#if ACTFN_HAVE_AVX512
    const int avx512 = actfn_avx512 == 1; /* k_avx512.c's kernel for the gate */
#else
    const int avx512 = 0;
#define actfn_glu512(a, b, y, n) 0
#endif
    for (Py_ssize_t i = 0; i < rows; i++) {
        const float *a = x + i * len;
        const float *b = a + olen;
        float *yr = y + i * olen;
        prefetch_row(a + len, len, rows - i);
        int odd = 0;
        if (avx512) {
            odd = actfn_glu512(a, b, yr, olen);
        } else {
            for (Py_ssize_t j = 0; j < olen; j++) {
                double aj = a[j], bj = b[j];
                double e = kn_exp(-fabs(bj), GLU_LO, 1);
                double g = bj >= 0.0 ? 1.0 : e;
                yr[j] = (float)((aj * g) / (1.0 + e));
                odd |= (bj < -700.0) & (fabs(aj) == __builtin_inf());
            }
        }
        if (odd)
            for (Py_ssize_t j = 0; j < olen; j++)
                if (b[j] < -700.0f && isinf(a[j]))
                    yr[j] = (b[j] < -2000.0f ? -2000.0 : (double)b[j]) + 47.5 < EXP_UNDER
                                ? __builtin_nanf("")
                                : a[j];
    }
}

/* Below this, |a b| e^b <= 1.2e77 e^-300 rounds to a float32 zero. */
#define SWIGLU_LO (-300.0)

/* The generic form's silu(b) for b < -700 (silu's times_exp: b e^(b + 47.5)
 * e^-47.5, b clamped at -2000), where a is infinite and the double silu(b) may
 * have underflowed to -0 (giving NaN) or not (-+inf). */
static double silu_tail(double b)
{
    double bt = b < -2000.0 ? -2000.0 : b;
    return bt * exp(bt + 47.5) * 2.349698337452817e-21;
}

/* swiglu: a silu(b) = (a b) / (1 + e^-b) for b >= 0, (a b) e / (1 + e) below,
 * e = e^-|b|; a b is exact in double, so no product of a with a rounded
 * subnormal silu (the generic form's times_exp tail) arises.  The generic
 * form's a * silu(b) where that differs: b = -inf gives a * -0 (silu(-inf) =
 * -0); infinite a with b < -700 its double silu (see silu_tail). */
KN_CLONES static void swiglu_f32(const float *restrict x, float *restrict y,
                                    Py_ssize_t rows, Py_ssize_t len, Py_ssize_t olen,
                                    const double *restrict P)
{
    (void)P;
    if (len < 2 * olen) /* never from actfn._native: it passes len = 2 olen */
        return;
    for (Py_ssize_t i = 0; i < rows; i++) {
        const float *a = x + i * len;
        const float *b = a + olen;
        float *yr = y + i * olen;
        prefetch_row(a + len, len, rows - i);
        int odd = 0;
        for (Py_ssize_t j = 0; j < olen; j++) {
            double aj = a[j], bj = b[j];
            double ab = aj * bj;
            double e = kn_exp(-fabs(bj), SWIGLU_LO, 1);
            double g = bj >= 0.0 ? 1.0 : e;
            double r = (ab * g) / (1.0 + e);
            yr[j] = (float)(bj == -__builtin_inf() ? aj * -0.0 : r);
            odd |= (bj < -700.0) & (fabs(aj) == __builtin_inf());
        }
        if (odd)
            for (Py_ssize_t j = 0; j < olen; j++)
                if (b[j] < -700.0f && isinf(a[j]))
                    yr[j] = (float)((double)a[j] * silu_tail(b[j]));
    }
}

/* reglu: a max(b, 0) with NumPy's maximum (NaN propagates, max(-0, 0) = +0).
 * In float32: the product of two float32 values rounded once is the double
 * product (exact) rounded once. */
KN_CLONES static void reglu_f32(const float *restrict x, float *restrict y,
                                   Py_ssize_t rows, Py_ssize_t len, Py_ssize_t olen,
                                   const double *restrict P)
{
    (void)P;
    if (len < 2 * olen) /* never from actfn._native: it passes len = 2 olen */
        return;
    for (Py_ssize_t i = 0; i < rows; i++) {
        const float *a = x + i * len;
        const float *b = a + olen;
        float *yr = y + i * olen;
        prefetch_row(a + len, len, rows - i);
        for (Py_ssize_t j = 0; j < olen; j++) {
            float bj = b[j];
            float g = bj > 0.0f ? bj : bj != bj ? bj : 0.0f;
            yr[j] = a[j] * g;
        }
    }
}

/* geglu: a gelu(b), the double gelu of vmath.h (error below 1e-12 relative)
 * times a, rounded once to float32.  The generic form's double gelu(b) is exactly
 * -0 where it underflows, b <= -38.580145 (exact form) or b <= -21.54708 (tanh
 * form; both measured on it), which only shows for infinite a (inf * -0 = NaN):
 * the same cut here. */
KN_INLINE void geglu_rows(const float *restrict x, float *restrict y, Py_ssize_t rows,
                          Py_ssize_t len, Py_ssize_t olen, int tanh_form)
{
    const double cut = tanh_form ? -21.54708 : -38.580145;
    for (Py_ssize_t i = 0; i < rows; i++) {
        const float *a = x + i * len;
        const float *b = a + olen;
        float *yr = y + i * olen;
        prefetch_row(a + len, len, rows - i);
        for (Py_ssize_t j = 0; j < olen; j++) {
            double bj = b[j];
            double g = tanh_form ? vm_gelu_tanh(bj) : vm_gelu_erf(bj);
            g = bj <= cut ? -0.0 : g;
            yr[j] = (float)((double)a[j] * g);
        }
    }
}

KN_CLONES static void geglu_f32(const float *restrict x, float *restrict y, Py_ssize_t rows,
                                Py_ssize_t len, Py_ssize_t olen, const double *restrict P)
{
    if (len < 2 * olen) /* never from actfn._native: it passes len = 2 olen */
        return;
    if (P[0] != 0.0)
        geglu_rows(x, y, rows, len, olen, 1);
    else
        geglu_rows(x, y, rows, len, olen, 0);
}

/* logsumexp over each row (olen = 1): m + log(sum e^(x - m)), m the row's
 * maximum, the sum in KN_LANES partial sums in double (each term within 3e-9
 * relative, kn_exp; the sum of positive terms adds n/KN_LANES roundings at
 * most, 1e-10 relative for a row of 10^7), its log (vm_log, 1e-15) added to m
 * in double and rounded once.  Terms below e^-110 are taken as e^-110: their
 * share of a sum of at least 1 is below 1e-47 per term.  A row with a NaN gives
 * NaN; otherwise a maximum of +inf gives +inf and a row of -inf only -inf, as
 * the generic form's. */
KN_CLONES static void logsumexp_f32(const float *restrict x, float *restrict y,
                                    Py_ssize_t rows, Py_ssize_t len, Py_ssize_t olen,
                                    const double *restrict P)
{
    (void)P;
    if (olen != 1) /* never from actfn: logsumexp reduces each row to one value */
        return;
    for (Py_ssize_t i = 0; i < rows; i++) {
        const float *r = x + i * len;
        int odd;
        float m = row_max(r, len, 1.0f, &odd);
        double res;
        if (odd) {
            int nan = 0;
            for (Py_ssize_t j = 0; j < len; j++)
                nan |= r[j] != r[j];
            res = nan ? (double)__builtin_nanf("") : (double)m;
        } else {
            double acc[KN_LANES] = {0};
            double md = m;
            Py_ssize_t j = 0;
            for (; j + KN_LANES <= len; j += KN_LANES)
                for (int l = 0; l < KN_LANES; l++)
                    acc[l] += kn_exp((double)r[j + l] - md, SOFTMAX_LO, 0);
            for (int l = 0; j < len; j++, l++)
                acc[l] += kn_exp((double)r[j] - md, SOFTMAX_LO, 0);
            for (int h = KN_LANES / 2; h > 0; h /= 2)
                for (int l = 0; l < h; l++)
                    acc[l] += acc[l + h];
            res = md + vm_log(acc[0]);
        }
        y[i] = (float)res;
    }
}

const actfn_rows_entry actfn_rows_normalizing[] = {
    {"softmax", "where", softmax_f32},
    {"log_softmax", "where", log_softmax_f32},
    {"softmin", "", softmin_f32},
    {"glu", "", glu_f32},
    {"swiglu", "", swiglu_f32},
    {"reglu", "", reglu_f32},
    {"geglu", "approximate", geglu_f32},
    {"logsumexp", "keepdims,where", logsumexp_f32},
    {NULL, NULL, NULL},
};
