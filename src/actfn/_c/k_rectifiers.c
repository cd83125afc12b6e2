/* Kernels of the rectifiers family (see kernels.h): relu, leaky_relu, relu6,
 * threshold, linear, relu_squared.  Selections and at most one product or sum
 * in double, then one rounding: each is the generic form rounded once. */
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
ACTFN_EW_BOTH(leaky_relu, {
    double a = P[0];
    double below = a != 0.0 ? a * x : (x == -__builtin_inf() ? -0.0 : 0.0 * x);
    y = vm_bits(x) >> 63 ? below : x; /* by the sign bit: -0 takes a * -0 */
})

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

const actfn_ew_entry actfn_ew_rectifiers[] = {
    {"relu", "negative_slope,max_value,threshold", relu_f32},
    {"leaky_relu", "negative_slope", leaky_relu_f32},
    {"relu6", "", relu6_f32},
    {"threshold", "threshold,default_value", threshold_f32},
    {"linear", "", linear_f32},
    {"relu_squared", "", relu_squared_f32},
    {NULL, NULL, NULL},
};

const actfn_ew64_entry actfn_ew64_rectifiers[] = {
    {"relu", "negative_slope,max_value,threshold", relu_f64},
    {"leaky_relu", "negative_slope", leaky_relu_f64},
    {"relu6", "", relu6_f64},
    {"threshold", "threshold,default_value", threshold_f64},
    {"linear", "", linear_f64},
    {"relu_squared", "", relu_squared_f64},
    {NULL, NULL, NULL},
};
