/* Kernels of the shrinkage family: soft_shrink, hard_shrink, tanh_shrink (see
 * kernels.h). */
#include "kernels.h"

/* 0 where |x| <= threshold, x - sign(x) threshold elsewhere (one rounding). */
ACTFN_EW_BOTH(soft_shrink_dbl, {
    double t = P[0];
    double s = x > 0.0 ? t : -t;
    y = fabs(x) <= t ? 0.0 : x - s;
})

/* With AVX-512 and a threshold that is a float: in float (k_avx512.c). */
static void soft_shrink_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                            const double *restrict P)
{
    if ((double)(float)P[0] == P[0])
        ACTFN_USE_512(actfn_soft_shrink512(xs, ys, n, (float)P[0]));
    soft_shrink_dbl_f32(xs, ys, n, P);
}

/* 0 where |x| <= threshold, x elsewhere (NaN included): exact. */
ACTFN_EW_BOTH(hard_shrink, y = fabs(x) <= P[0] ? 0.0 : x)

/* x - tanh x.  |x| < 1e-3: the series x^3/3 - 2x^5/15 + 17x^7/315 (the next term,
 * 62x^9/2835, is below 7e-20 of the sum there).  Above: x - tanh x
 * in double with tanh|x| = -e/(2 + e), e = expm1(-2|x|): for |x| < 0.17 vm_expm1 is
 * r + r^2 q(r) with q good to about 1e-13 relative, so e is good to about 1e-16 + |r| 1e-13
 * relative, and tanh|x| to a few 1e-16 more.  The difference cancels by a factor 3/x^2,
 * at most 3e6 at |x| = 1e-3, where the error is then below 2e-9 relative: within 1 float32
 * ULP after the rounding (measured: 1, actfn accuracy tanh_shrink --full).  |x| > 20: tanh x = +-1
 * to far beyond double precision.  NaN propagates; +-0 gives +-0 (the series). */
ACTFN_EW(tanh_shrink_f32, {
    double a = fabs(x);
    double e = vm_expm1(-2.0 * vm_min(a, 20.0));
    double th = -e / (2.0 + e);
    double d = a - th;
    double z = x * x;
    double series = ((0.05396825396825397 * z - 0.13333333333333333) * z +
                     0.3333333333333333) * z * x;
    double big = x < 0.0 ? -d : d;
    big = x != x ? x : big;
    y = a < 1e-3 ? series : big;
})

const actfn_ew_entry actfn_ew_shrinkage[] = {
    {"soft_shrink", "threshold", soft_shrink_f32},
    {"hard_shrink", "threshold", hard_shrink_f32},
    {"tanh_shrink", "", tanh_shrink_f32},
    {NULL, NULL, NULL},
};

const actfn_ew64_entry actfn_ew64_shrinkage[] = {
    {"soft_shrink", "threshold", soft_shrink_dbl_f64},
    {"hard_shrink", "threshold", hard_shrink_f64},
    {NULL, NULL, NULL},
};
