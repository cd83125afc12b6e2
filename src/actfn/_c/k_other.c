/* Kernels of the activations from PyTorch and elsewhere: prelu (scalar slope),
 * rrelu (evaluation mode), log1mexp (see kernels.h). */
#include "kernels.h"

/* x for x >= 0, a x below; a = 0 gives 0 x (-0 for x < 0, NaN for NaN) except -0 at
 * -inf (functions/pytorch.py, _leaky).  One rounding. */
static inline double leaky(double x, double a)
{
    double below = a != 0.0 ? a * x : (x == -__builtin_inf() ? -0.0 : 0.0 * x);
    return vm_bits(x) >> 63 ? below : x; /* by the sign bit: -0 takes a * -0 */
}

/* prelu with a scalar alpha (an array alpha takes the NumPy path). */
ACTFN_EW(prelu_f32, {
    double a = P[0];
    y = leaky(x, a);
})

/* rrelu outside training: the fixed slope (lower + upper)/2 (halves first where the
 * sum overflows).  P = lower, upper, training, rng: the engine calls this kernel only
 * for training=False (rrelu is blockwise only then), and rng is unused. */
ACTFN_EW(rrelu_f32, {
    double lo = P[0], hi = P[1];
    double mid = 0.5 * (lo + hi);
    mid = isfinite(mid) ? mid : 0.5 * lo + 0.5 * hi;
    y = leaky(x, mid);
})

/* log(1 - e^-x), Maechler (2012): log(-expm1(-x)) for 0 < x <= log 2 (the argument of
 * the log is at most 1/2, so no cancellation), log1p(-e^-x) above (e^-x <= 1/2).  Both
 * from one reduction of -x (vmath.h): expm1 = 2^k (e^r - 1) + (2^k - 1) (k is 0 or -1
 * there: cancellation by at most a factor 4), e^-x = 2^k + 2^k (e^r - 1); and one log:
 * of w = -expm1, or of w = 1 - e^-x rounded, with the rounding d = (1 - w) - e^-x (exact:
 * w is in [1/2, 1]) added as d/w ~ d (2 - w) (relative error (1 - w)^2 of a term below
 * 2^-54; log w ~ -e^-x keeps its relative accuracy).  Above 708, e^-x stands at e^-708
 * (vm_reduce), whose log1p, -3e-308, rounds to -0 as the generic form's.  x = 0 gives
 * -inf, x < 0 and NaN give NaN. */
#define LN2 0.6931471805599453
ACTFN_EW(log1mexp_f32, {
    double xs = x > 0.0 ? x : 1.0;
    double r, k;
    double s = vm_reduce(-xs, &r, &k);
    double p = vm_em1_poly(r);
    double em1 = k == 0.0 ? p : s * p + (s - 1.0);
    double e = s + s * p;
    const int small = xs <= LN2;
    double w = small ? -em1 : 1.0 - e;
    double d = small ? 0.0 : (1.0 - w) - e;
    double v = vm_log(w) + d * (2.0 - w);
    double edge = x == 0.0 ? -__builtin_inf() : __builtin_nan("");
    y = x > 0.0 ? v : edge;
})

const actfn_ew_entry actfn_ew_other[] = {
    {"prelu", "alpha", prelu_f32},
    {"rrelu", "lower,upper,training,rng", rrelu_f32},
    {"log1mexp", "", log1mexp_f32},
    {NULL, NULL, NULL},
};
