/* Kernels of the sigmoidal family: sigmoid, hard_sigmoid, log_sigmoid,
 * sparse_sigmoid, tanh, hard_tanh, softsign (see kernels.h).
 *
 * Each mirrors its generic form (functions/sigmoidal.py): the same selects, so
 * NaN, signed zeros and infinities come out the same; np.clip(x, lo, hi) is
 * vm_min(vm_max(x, lo), hi) (both keep x at a tie and propagate NaN, as NumPy's
 * clip does).
 */
#include "kernels.h"

/* sigmoid: 1/(1 + e^-x), a sum of positive terms and a quotient: exp's relative
 * error (2e-13, vm_exp) plus two roundings, for every x (the generic form's
 * e^-|x| and select keep float64 results exact below the double underflow
 * point; a float32 result is +0 there either way: below x = -709 vm_exp
 * returns e^709 for e^-x and the quotient, 1.2e-308, rounds to +0 as the true
 * value does).  NaN propagates through exp. */
ACTFN_EW(sigmoid_f64, {
    y = 1.0 / (1.0 + vm_exp(-x));
})

/* With AVX-512: the float32-arithmetic kernel of k_avx512.c (same bound). */
static void sigmoid_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                        const double *restrict P)
{
    ACTFN_USE_512(actfn_sigmoid512(xs, ys, n));
    sigmoid_f64(xs, ys, n, P);
}

/* hard_sigmoid: clip((x + 3)/6, 0, 1), as the generic form (x + 3 is exact near
 * -3), with the division by 6 a multiplication by 1/6 rounded (one more double
 * rounding: the float32 result differs from the generic form's only where the
 * quotient lies within 2^-52 of a float32 rounding boundary, and then by 1 ULP).
 * A double division costs 0.24 ns per element here, more than the memory
 * traffic of this function. */
ACTFN_EW(hard_sigmoid_dbl, {
    double t = (x + 3.0) * (1.0 / 6.0);
    y = vm_min(vm_max(t, 0.0), 1.0);
})

/* float64: the generic form's division by 6 (the memory traffic of doubles
 * costs more than it). */
ACTFN_EW64(hard_sigmoid_f64, y = np_clip((x + 3.0) / 6.0, 0.0, 1.0))

/* With AVX-512: the same operations, written with vmaxpd/vminpd (k_avx512.c). */
static void hard_sigmoid_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                             const double *restrict P)
{
    ACTFN_USE_512(actfn_hard_sigmoid512(xs, ys, n));
    hard_sigmoid_dbl(xs, ys, n, P);
}

/* log_sigmoid: min(x, 0) - log1p(exp(-|x|)), as _numerics.log_sigmoid: two terms
 * of one sign, each good to 2e-13 (vm_exp, vm_log1p_unit32).  exp(-|x|) is made 0 where float64 exp underflows to 0 (|x| above
 * 1075 ln 2, the generic form's 0 - 0 = +0 at large x) rather than vm_exp's
 * stand-in exp(-708), which would round to -0 instead. */
ACTFN_EW(log_sigmoid_f32, {
    double ax = __builtin_fabs(x);
    double e = vm_exp(-ax);
    e = ax > 745.1332191019412 ? 0.0 : e;
    double m = !(x >= 0.0) ? x : 0.0; /* np.minimum(x, 0.0): +0 at x = -0 */
    y = m - vm_log1p_unit32(e);
})

/* sparse_sigmoid: clip((x + 1) * 0.5, 0, 1): the sum rounds once, halving is exact. */
ACTFN_EW_BOTH(sparse_sigmoid, {
    double t = (x + 1.0) * 0.5;
    y = vm_min(vm_max(t, 0.0), 1.0);
})

/* tanh: u/(u + 2) with u = expm1(2|x|), sign copied from x (so -0 gives -0 and
 * NaN stays NaN).  u and u + 2 are positive and u carries expm1's relative error
 * (1e-12, vm_expm1), so the quotient is good to a few 1e-16 more: no cancellation near 0,
 * where u ~ 2|x|.  Above |x| = 354.5 vm_expm1 clamps at e^709, u + 2 == u and
 * the quotient is exactly 1 (tanh rounds to 1 far earlier). */
ACTFN_EW(tanh_f32, {
    double u = vm_expm1(2.0 * __builtin_fabs(x));
    y = __builtin_copysign(u / (u + 2.0), x);
})

/* hard_tanh: clip(x, min_val, max_val); the bounds are doubles and the result
 * rounds once, as the generic form rounded to float32. */
ACTFN_EW_BOTH(hard_tanh_clip, {
    y = vm_min(vm_max(x, P[0]), P[1]);
})

static void hard_tanh_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                          const double *restrict P)
{
    ACTFN_USE_512(actfn_hard_tanh512(xs, ys, n, P[0], P[1]));
    hard_tanh_clip_f32(xs, ys, n, P);
}

/* softsign: x/(1 + |x|), with x clipped to [-2^60, 2^60] first: beyond, the
 * quotient rounds to +-1 in double, which is the generic form's limit at +-inf
 * (its select), and NaN passes the clip.  One addition and one division. */
ACTFN_EW(softsign_f32, {
    double c = vm_min(vm_max(x, -0x1p60), 0x1p60);
    y = c / (1.0 + __builtin_fabs(c));
})

const actfn_ew_entry actfn_ew_sigmoidal[] = {
    {"sigmoid", "", sigmoid_f32},
    {"hard_sigmoid", "", hard_sigmoid_f32},
    {"log_sigmoid", "", log_sigmoid_f32},
    {"sparse_sigmoid", "", sparse_sigmoid_f32},
    {"tanh", "", tanh_f32},
    {"hard_tanh", "min_val,max_val", hard_tanh_f32},
    {"softsign", "", softsign_f32},
    {NULL, NULL, NULL},
};

const actfn_ew64_entry actfn_ew64_sigmoidal[] = {
    {"hard_sigmoid", "", hard_sigmoid_f64},
    {"sparse_sigmoid", "", sparse_sigmoid_f64},
    {"hard_tanh", "min_val,max_val", hard_tanh_clip_f64},
    {NULL, NULL, NULL},
};
