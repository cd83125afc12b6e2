/* Kernels of the exponential family: elu, selu, celu, exponential (see kernels.h). */
#include "kernels.h"

/* elu: x for x > 0, alpha * expm1(x) otherwise (expm1 keeps its relative accuracy
 * near 0; -0 gives alpha * -0, as the generic form). NaN fails x > 0 and
 * propagates through expm1. */
ACTFN_EW(elu_f32, {
    double e = P[0] * vm_expm1(vm_min(x, 0.0));
    y = x > 0.0 ? x : e;
})

const actfn_ew_entry actfn_ew_exponential[] = {
    {"elu", "alpha", elu_f32},
    {NULL, NULL, NULL},
};
