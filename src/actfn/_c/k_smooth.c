/* Kernels of the smooth family: softplus, silu, hard_silu, gelu (both forms),
 * mish, squareplus, sparse_plus (see kernels.h).
 *
 * Each mirrors its generic form (functions/smooth.py): the same selects, so
 * NaN, signed zeros and infinities come out the same; np.clip(x, lo, hi) is
 * vm_min(vm_max(x, lo), hi) (both keep x at a tie and propagate NaN).  Where the
 * generic form works harder for float64 (double-double arguments, scaled tails),
 * the comment says why the plain double formula is enough for a float32 result
 * (relative error far below 2^-25, see vmath.h).
 */
#include "kernels.h"

/* softplus(x; beta, threshold) = max(x, 0) + log1p(exp(-|beta x|))/beta, two terms
 * of one sign.  beta x is clipped as in the generic form (|beta x| <= 750, where
 * exp(-|beta x|) is 0) and rounded once: an error of 2^-53 |beta x| in the exp
 * argument, at most 750 * 1.1e-16 = 8e-14 relative (the generic form corrects it
 * for float64 results; a float32 result does not need it).  exp is made 0 where
 * float64 exp underflows to 0, as in the generic form, not vm_exp's stand-in.
 * 1/beta is a multiplication by the rounded reciprocal (one more rounding; exact
 * for beta a power of 2, beta = 1 included).
 * threshold (NaN for None): x where beta x > threshold (PyTorch's switch), on the
 * exact product: P[2] is the largest double at most threshold/beta (NaN for None;
 * _native appends it), and a float32 x is above it exactly where beta x, unrounded,
 * is above the threshold, as the generic form's _above. */
ACTFN_CLONES static void softplus_general_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                                      const double *restrict P)
{
    /* the loop of ACTFN_EW, with the parameters read once */
    const double beta = P[0], cut = P[2];
    const double lim = vm_min(750.0 / beta, 1e308);
    /* 1/beta overflows for beta < 5.6e-309: the largest double keeps 0 * inv = 0
     * (e = 0), and any e > 0 then gives inf in float32 either way */
    const double inv = vm_min(1.0 / beta, 1.7976931348623157e308);
    for (Py_ssize_t i = 0; i < n; i++) {
        double x = xs[i];
        double t = beta * vm_min(vm_max(x, -lim), lim);
        double at = __builtin_fabs(t);
        double e = vm_exp(-at);
        /* (x = -inf: the limit exp(-inf) = 0, where a tiny beta leaves t small) */
        e = at > 745.1332191019412 || x == -__builtin_inf() ? 0.0 : e;
        double xp = !(x <= 0.0) ? x : 0.0; /* np.maximum(x, 0.0) */
        double r = xp + vm_log1p_unit32(e) * inv;
        /* false for cut NaN (no threshold) */
        ys[i] = (float)(x > cut ? x : r);
    }
}

/* softplus with beta = 1 and no threshold (the default): the same operations
 * with beta x = x exactly, 1/beta = 1 and no switch (max(x, 0) + log1p(e^-|x|),
 * as _numerics.softplus; |x| > 750 also gives e = 0 there). */
ACTFN_EW(softplus_plain_f32, {
    double ax = __builtin_fabs(x);
    double e = vm_exp(-ax);
    e = ax > 745.1332191019412 ? 0.0 : e;
    double xp = !(x <= 0.0) ? x : 0.0; /* np.maximum(x, 0.0) */
    y = xp + vm_log1p_unit32(e);
})

static void softplus_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                         const double *restrict P)
{
    if (P[0] == 1.0 && P[1] != P[1]) {
        ACTFN_USE_512(actfn_softplus512(xs, ys, n)); /* k_avx512.c, float32 arithmetic */
        softplus_plain_f32(xs, ys, n, P);
    } else {
        softplus_general_f32(xs, ys, n, P);
    }
}

/* silu: xm/(1 + exp(-xm)), xm = max(x, -700), three roundings after exp.  Below
 * -700 the generic form's tail (x e^x, scaled) and this quotient both round to
 * -0 in float32 (|x| e^x < 1e-300).  Above 708 exp(-xm) is vm_exp's stand-in
 * e^-708 and the quotient rounds to xm, as with the true exp. */
ACTFN_EW(silu_f64, {
    double r = x / (1.0 + vm_exp(-x));
    y = x < -700.0 ? -0.0 : r;
})

/* With AVX-512: the float32-arithmetic kernel of k_avx512.c (same bound). */
static void silu_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                     const double *restrict P)
{
    ACTFN_USE_512(actfn_silu512(xs, ys, n));
    silu_f64(xs, ys, n, P);
}

/* hard_silu: max(x, -3) * clip((x + 3)/6, 0, 1), the generic form's operations
 * (-inf gives -3 * 0 = -0), but for the division by 6, a multiplication by 1/6
 * rounded: one more double rounding (see hard_sigmoid in k_sigmoidal.c). */
ACTFN_EW(hard_silu_dbl, {
    double t = vm_min(vm_max((x + 3.0) * (1.0 / 6.0), 0.0), 1.0);
    y = vm_max(x, -3.0) * t;
})

/* float64: the generic form's operations, its division by 6 included. */
ACTFN_EW64(hard_silu_f64, y = np_maximum(x, -3.0) * np_clip((x + 3.0) / 6.0, 0.0, 1.0))

/* With AVX-512: the same operations, written with vmaxpd/vminpd (k_avx512.c). */
static void hard_silu_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                          const double *restrict P)
{
    ACTFN_USE_512(actfn_hard_silu512(xs, ys, n));
    hard_silu_dbl(xs, ys, n, P);
}

/* gelu, both forms: vm_gelu_erf and vm_gelu_tanh (vmath.h, where geglu's row
 * kernel finds them too) have the error arguments. */
ACTFN_EW(gelu_erf_f32, y = vm_gelu_erf(x))
ACTFN_EW(gelu_tanh_f32, y = vm_gelu_tanh(x))

/* gelu(x; approximate): one loop per form, chosen once per call. */
static void gelu_f32(const float *restrict xs, float *restrict ys, Py_ssize_t n,
                     const double *restrict P)
{
    if (P[0] != 0.0) {
        gelu_tanh_f32(xs, ys, n, P);
    } else {
        ACTFN_USE_512(actfn_gelu512(xs, ys, n)); /* k_avx512.c, float32 arithmetic */
        gelu_erf_f32(xs, ys, n, P);
    }
}

/* mish: x tanh(softplus(x)) = x n/(n + 2), n = e (e + 2), e = exp(xc), xc =
 * clip(x, -2000, 40): n and n + 2 are sums of positive terms, so n/(n + 2) is
 * good to a few double ULPs (the NumPy kernel's float32 form).  Above 40,
 * n + 2 == n and the factor is exactly 1 (x itself, +inf included); x is
 * floored at -800 so that -inf gives -0, as the generic form (below -98 the
 * float32 result is -0 whatever e is). */
ACTFN_EW(mish_f32, {
    double xc = vm_min(vm_max(x, -2000.0), 40.0);
    double e = vm_exp(xc);
    double nn = e * (e + 2.0);
    y = vm_max(x, -800.0) * (nn / (nn + 2.0));
})

/* squareplus(x; b): with h = sqrt(x^2 + b) and s = |x| + h (no cancellation),
 * (x + h)/2 = s/2 for x >= 0 and b/(2 s) below (= (x + h)/2 since h^2 - x^2 = b).
 * |x| <= 3.5e38, so x^2 + b does not overflow in double: h is within 1.5 double
 * ULPs, the result within 3.  b = 0 gives max(x, 0) exactly (the generic form's
 * relu: +0 for x = -0 and for x < 0, NaN for NaN). */
ACTFN_EW(squareplus_f32, {
    double b = P[0];
    double s = __builtin_fabs(x) + __builtin_sqrt(x * x + b);
    y = x >= 0.0 ? s * 0.5 : b / (s * 2.0);
})

/* sparse_plus: x for x >= 1, 0 for x <= -1, (c + 1)^2/4 between, c = clip(x, -1, 1),
 * the generic form's operations and selects (NaN fails both comparisons). */
ACTFN_EW_BOTH(sparse_plus, {
    double c = vm_min(vm_max(x, -1.0), 1.0);
    double q = (c + 1.0) * (c + 1.0) * 0.25;
    y = x >= 1.0 ? x : (x <= -1.0 ? 0.0 : q);
})

const actfn_ew_entry actfn_ew_smooth[] = {
    {"softplus", "beta,threshold", softplus_f32},
    {"silu", "", silu_f32},
    {"hard_silu", "", hard_silu_f32},
    {"gelu", "approximate", gelu_f32},
    {"mish", "", mish_f32},
    {"squareplus", "b", squareplus_f32},
    {"sparse_plus", "", sparse_plus_f32},
    {NULL, NULL, NULL},
};

const actfn_ew64_entry actfn_ew64_smooth[] = {
    {"hard_silu", "", hard_silu_f64},
    {"sparse_plus", "", sparse_plus_f64},
    {NULL, NULL, NULL},
};
