/* Kernels of the exponential family: elu, selu, celu, exponential (see kernels.h).
 * The generic forms feed expm1 with min(x, 0) keeping the sign of a zero x
 * (neg below): f(-0) = -0. */
#include "kernels.h"

static inline double neg(double x) { return x > 0.0 ? 0.0 : x; }

/* elu: x for x > 0, alpha * expm1(min(x, 0)) otherwise (expm1 keeps its relative
 * accuracy near 0).  NaN fails x > 0 and propagates through expm1. */
ACTFN_EW(elu_f32, {
    double e = P[0] * vm_expm1(neg(x));
    y = x > 0.0 ? x : e;
})

/* selu: scale x for x > 0, (scale alpha) expm1(min(x, 0)) otherwise; the two
 * constants are the generic form's (functions/exponential.py). */
#define SELU_SCALE 1.0507009873554804934193349852946
#define SELU_SCALE_ALPHA 1.7580993408473768
ACTFN_EW(selu_f32, {
    double e = SELU_SCALE_ALPHA * vm_expm1(neg(x));
    y = x > 0.0 ? SELU_SCALE * x : e;
})

/* celu: max(x, 0) + alpha expm1(min(x, 0) / alpha); one term is exactly 0 (the
 * first is -0 for x <= 0, so that -0 gives -0). */
ACTFN_EW(celu_f32, {
    double a = P[0];
    y = (x > 0.0 ? x : -0.0) + a * vm_expm1(neg(x) / a);
})

/* e^x: vm_exp's clamps give 0 below -708 and 8.2e307 (inf once rounded to
 * float32) above 709; NaN passes through the clamps and the arithmetic. */
ACTFN_EW(exponential_f32, {
    double e = vm_exp(x);
    y = x == -__builtin_inf() ? 0.0 : (x == __builtin_inf() ? x : e);
})

const actfn_ew_entry actfn_ew_exponential[] = {
    {"elu", "alpha", elu_f32},
    {"selu", "", selu_f32},
    {"celu", "alpha", celu_f32},
    {"exponential", "", exponential_f32},
    {NULL, NULL, NULL},
};
