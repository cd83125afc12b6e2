/* Kernels of the rectifiers family (see kernels.h): relu, leaky_relu, relu6,
 * threshold, linear, relu_squared, star_relu.  Selections and at most one
 * product or sum in double, then one rounding: each is the generic form rounded
 * once (star_relu: its double-double form, see there). */
#include "kernels.h"

/* Keras's relu (functions/rectifiers.py, _relu_value), operation for operation:
 * P = negative_slope, max_value (NaN: none), threshold.  Each case below is a
 * loop of its own (the parameters do not change inside a call).  T is float or
 * double: the float32 kernel rounds the double result once, the float64 one
 * stores it. */
#define RELU_KERNEL(fname, T)                                                       \
    ACTFN_CLONES static void fname(const T *restrict xs, T *restrict ys, Py_ssize_t n, \
                                   const double *restrict P)                      \
    {                                                                              \
        const double ns = P[0], mv = P[1], t = P[2];                               \
        if (ns == 0.0 && mv != mv && t == 0.0) {                                   \
            for (Py_ssize_t i = 0; i < n; i++) {                                   \
                double x = xs[i];                                                  \
                ys[i] = (T)np_maximum(x, 0.0);                                     \
            }                                                                      \
            return;                                                                \
        }                                                                          \
        for (Py_ssize_t i = 0; i < n; i++) {                                       \
            double x = xs[i];                                                      \
            double zero = copysign(0.0, x);                                        \
            double pos = t == 0.0 ? np_maximum(x, 0.0) : (x <= t ? zero : x);      \
            pos = mv == mv ? np_clip(pos, 0.0, mv) : pos;                          \
            double y = ns == 0.0 ? pos : pos - ns * np_maximum(t - x, 0.0);        \
            ys[i] = (T)y;                                                          \
        }                                                                          \
    }

RELU_KERNEL(relu_f32, float)
RELU_KERNEL(relu_f64, double)

/* x for x >= 0, a x below (a = negative_slope); a = 0 gives 0 x, except -0 for
 * -inf (0 * -inf would be NaN), as the generic form. */
ACTFN_EW_BOTH(leaky_relu_dbl, {
    double a = P[0];
    double below = a != 0.0 ? a * x : (x == -__builtin_inf() ? -0.0 : 0.0 * x);
    y = vm_bits(x) >> 63 ? below : x; /* by the sign bit: -0 takes a * -0 */
})

/* With AVX-512 and a nonzero slope: the same operations (k_avx512.c). */
static void leaky_relu_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                           const double *restrict P)
{
    if (P[0] != 0.0)
        ACTFN_USE_512(actfn_leaky_relu512(xs, ys, n, P[0]));
    leaky_relu_dbl_f32(xs, ys, n, P);
}

ACTFN_EW_BOTH(relu6, y = np_clip(x, 0.0, 6.0))

/* P = threshold, default_value: the default where x <= threshold (NaN stays). */
ACTFN_EW_BOTH(threshold, {
    double t = P[0], v = P[1]; /* (both read unconditionally: the loop vectorises) */
    y = x <= t ? v : x;
})

ACTFN_EW_BOTH(linear, y = x)

/* max(x, 0)^2: the square of a float32 is exact in double, so one rounding
 * (float64: the generic form's one rounding). */
ACTFN_EW_BOTH(relu_squared, {
    double r = np_maximum(x, 0.0);
    y = r * r;
})

/* star_relu: s max(x, 0)^2 + b, the generic form's operations (functions/
 * modern.py, _star_value): where s r^2 nearly cancels b, r^2 and s r^2 as exact
 * double-double products (the fma's error term is Dekker's), Knuth's two-sum
 * with b, the error terms added last; the plain sum where b = 0, |s| >= 2^990,
 * r >= 2^480 or |s r^2| >= 2^990; b itself for s = 0 (NaN stays).  P = scale,
 * bias.  The cases that depend on the parameters alone are loops of their own
 * (GCC does not vectorise a select on a condition that is the same for every
 * element). */
/* s r^2 for r = r2^(1/2) >= 0 (or NaN): (s r) r where r^2 overflows but r is finite */
static inline double star_sr2(double r, double r2, double sc)
{
    return r2 == __builtin_inf() ? (r < __builtin_inf() ? (sc * r) * r : sc * r2) : sc * r2;
}

static inline double star_plain(double x, double sc, double b)
{
    double r = np_maximum(x, 0.0);
    return star_sr2(r, r * r, sc) + b;
}

static inline double star_exact(double x, double sc, double b)
{
    double r = np_maximum(x, 0.0);
    double r2 = r * r;
    double sr2 = star_sr2(r, r2, sc);
    double sq_e = vm_fma(r, r, -r2);
    double t_e = vm_fma(sc, r2, -sr2);
    double u = sr2 + b;
    double bb = u - sr2;
    double err = (sr2 - (u - bb)) + (b - bb);
    double exact = u + (err + (t_e + sc * sq_e));
    double y = r < 0x1p480 ? exact : sr2 + b;
    return fabs(sr2) < 0x1p990 ? y : sr2 + b;
}

#define STAR_KERNEL(fname, T)                                                       \
    ACTFN_CLONES static void fname(const T *restrict xs, T *restrict ys, Py_ssize_t n, \
                                   const double *restrict P)                      \
    {                                                                              \
        const double sc = P[0], b = P[1];                                          \
        if (sc == 0.0) {                                                           \
            for (Py_ssize_t i = 0; i < n; i++)                                     \
                ys[i] = (T)(xs[i] != xs[i] ? (double)xs[i] : b);                   \
        } else if (b == 0.0 || fabs(sc) >= 0x1p990) {                              \
            for (Py_ssize_t i = 0; i < n; i++)                                     \
                ys[i] = (T)star_plain(xs[i], sc, b);                               \
        } else {                                                                   \
            for (Py_ssize_t i = 0; i < n; i++)                                     \
                ys[i] = (T)star_exact(xs[i], sc, b);                               \
        }                                                                          \
    }

STAR_KERNEL(star_relu_f32, float)
STAR_KERNEL(star_relu_f64, double)

const actfn_ew_entry actfn_ew_rectifiers[] = {
    {"relu", "negative_slope,max_value,threshold", relu_f32},
    {"leaky_relu", "negative_slope", leaky_relu_f32},
    {"relu6", "", relu6_f32},
    {"threshold", "threshold,default_value", threshold_f32},
    {"linear", "", linear_f32},
    {"relu_squared", "", relu_squared_f32},
    {"star_relu", "scale,bias", star_relu_f32},
    {NULL, NULL, NULL},
};

const actfn_ew64_entry actfn_ew64_rectifiers[] = {
    {"relu", "negative_slope,max_value,threshold", relu_f64},
    {"leaky_relu", "negative_slope", leaky_relu_dbl_f64},
    {"relu6", "", relu6_f64},
    {"threshold", "threshold,default_value", threshold_f64},
    {"linear", "", linear_f64},
    {"relu_squared", "", relu_squared_f64},
    {"star_relu", "scale,bias", star_relu_f64},
    {NULL, NULL, NULL},
};
