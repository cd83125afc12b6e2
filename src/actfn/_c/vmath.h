/* Double-precision building blocks for the float32 kernels, written so that GCC
 * vectorises the loops that call them (no calls, no table lookups, selects
 * instead of branches, integer work on the bit patterns in 64-bit lanes).
 *
 * Every kernel computes a float32 result in double and rounds once.  A double
 * result with relative error e rounds to within 0.5 + e * 2^24 float32 ULPs of
 * the true value, so the bound of 1 float32 ULP holds as long as e stays far
 * below 2^-25 ~ 3e-8.  The functions here have e below 1e-14 (comments give the
 * argument); the kernels avoid cancellation that would amplify it by more than
 * a few thousand.  Subnormal float32 values are normal doubles, so they are
 * computed to full relative accuracy too.
 *
 * Constants: the Cody-Waite split of log 2 is fdlibm's (Sun Microsystems,
 * "Developed at SunPro ... Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice is preserved").  The
 * polynomials are Taylor series (coefficients 1/k!, 2/(2k+1)).
 */
#ifndef ACTFN_VMATH_H
#define ACTFN_VMATH_H

#include <stdint.h>
#include <string.h>

static inline double vm_from_bits(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static inline uint64_t vm_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

#define VM_SHIFT 0x1.8p52            /* adding it rounds |t| < 2^51 to an integer */
#define VM_INVLN2 0x1.71547652b82fep0
#define VM_LN2HI 6.93147180369123816490e-01 /* fdlibm ln2_hi: 32 significant bits */
#define VM_LN2LO 1.90821492927058770002e-10 /* fdlibm ln2_lo */
#define VM_SQRT2 1.4142135623730951

static inline double vm_min(double a, double b) { return b < a ? b : a; }
static inline double vm_max(double a, double b) { return b > a ? b : a; }

/* e^r - 1 for |r| <= 0.3467 (ln 2 / 2 plus rounding): Taylor series to r^11,
 * truncation r^12/12! < 6e-15 relative; r + r^2 q keeps the leading term exact. */
static inline double vm_em1_poly(double r)
{
    double q = 1.0 / 39916800;
    q = q * r + 1.0 / 3628800;
    q = q * r + 1.0 / 362880;
    q = q * r + 1.0 / 40320;
    q = q * r + 1.0 / 5040;
    q = q * r + 1.0 / 720;
    q = q * r + 1.0 / 120;
    q = q * r + 1.0 / 24;
    q = q * r + 1.0 / 6;
    q = q * r + 0.5;
    return r + (r * r) * q;
}

/* x = k ln2 + r with |r| <= 0.3467 and 2^k as a double (x clamped to
 * [-708, 709], where 2^k stays a normal double).  k ln2_hi is exact (k has at
 * most 11 bits, ln2_hi 32), so r carries only ln2_lo's rounding: |error| < 1e-16 k
 * absolute, relative to e^x below 2e-16 after the scaling. */
static inline double vm_reduce(double x, double *r, double *k)
{
    x = vm_max(vm_min(x, 709.0), -708.0);
    double t = x * VM_INVLN2 + VM_SHIFT;
    double kk = t - VM_SHIFT;
    int64_t ki = (int64_t)(vm_bits(t) - vm_bits(VM_SHIFT));
    *r = (x - kk * VM_LN2HI) - kk * VM_LN2LO;
    *k = kk;
    return vm_from_bits((uint64_t)(ki + 1023) << 52);
}

/* exp(x) for x in [-708, 709] (clamped outside: exp(-708) = 3.3e-308 stands
 * for smaller results, which round to 0 in float32 unless multiplied by more
 * than 1e262; exp(709) = 8.2e307 for larger ones, inf once rounded to float32).
 * Relative error: the reduction (2e-16), the series (6e-15), a few roundings. */
static inline double vm_exp(double x)
{
    double r, k;
    double s = vm_reduce(x, &r, &k);
    return s + s * vm_em1_poly(r);
}

/* exp(x) - 1, relative error below 1e-14 for all x: with k = 0 it is the series
 * itself (exact sign of zero: -0 gives -0); otherwise 2^k (e^r - 1) + (2^k - 1),
 * where 2^k - 1 is exact for |k| <= 53 and the two terms cancel by at most a
 * factor 4 (k = 1, r < 0: the result is at least 0.41 against terms below 1.6). */
static inline double vm_expm1(double x)
{
    double r, k;
    double s = vm_reduce(x, &r, &k);
    double p = vm_em1_poly(r);
    return k == 0.0 ? p : s * p + (s - 1.0);
}

/* log(x) for x >= 0 (subnormal doubles included; log 0 = -inf, log inf = inf).  x = 2^e m with
 * m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716,
 * series to s^21 (truncation 0.1716^22/23 < 1e-18); m - 1 is exact (Sterbenz), s
 * carries 2 roundings: relative error below 1e-15, and e ln2 + log m cancels by at
 * most a factor 3 (e = 1, m near sqrt(1/2)). */
static inline double vm_log(double x)
{
    double tiny = x < 0x1p-1022 ? 1.0 : 0.0;
    x = tiny != 0.0 ? x * 0x1p54 : x;
    uint64_t b = vm_bits(x);
    /* the exponent field as a double, exactly (no int64 -> double conversion) */
    double e = vm_from_bits((b >> 52) | 0x4330000000000000ULL) - 0x1p52 - 1023.0;
    double m = vm_from_bits((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    double big = m > VM_SQRT2 ? 1.0 : 0.0;
    m = big != 0.0 ? m * 0.5 : m;
    e = e + big - 54.0 * tiny;
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double q = 2.0 / 21;
    q = q * z + 2.0 / 19;
    q = q * z + 2.0 / 17;
    q = q * z + 2.0 / 15;
    q = q * z + 2.0 / 13;
    q = q * z + 2.0 / 11;
    q = q * z + 2.0 / 9;
    q = q * z + 2.0 / 7;
    q = q * z + 2.0 / 5;
    q = q * z + 2.0 / 3;
    /* log m = 2s + s z q = f - s f + s z q  (2s = f - s f exactly in real arithmetic) */
    double lm = 2.0 * s + s * (z * q);
    double y = e * VM_LN2HI + (e * VM_LN2LO + lm);
    y = x == __builtin_inf() ? x : y;
    return y;
}

/* log(1 + u) for u >= -1, relative error below 1e-15: w = 1 + u rounded, and the
 * first-order correction (u - (w - 1)) / w for that rounding (exact arithmetic:
 * log(w + d) = log w + d/w - ...; d/w < 2^-53, so the next term is below 2^-107).
 * For |u| < 2^-54, w = 1 and the result is u itself. */
static inline double vm_log1p(double u)
{
    double w = 1.0 + u;
    double d = u - (w - 1.0);
    return vm_log(w) + d / w;
}

/* The complementary error function for all t (erfc(NaN) = NaN, erfc(inf) = 0,
 * erfc(-inf) = 2), relative error below 2e-14 where erfc(t) is above the double
 * underflow point (measured against mpmath on dense grids of [-6, 12]: 2e-16
 * for t < -0.47, 4e-16 on |t| <= 0.47, 1.4e-15 on (0.47, 4], 1.4e-14 beyond,
 * where the rounding of t^2, amplified by exp, dominates).
 *
 * W. J. Cody's rational Chebyshev approximations (Cody 1969, Math. Comp. 23;
 * the coefficients of CALERF in SPECFUN, netlib, ACM TOMS algorithm 715), with
 * a = |t|, w = a^2:
 *   a <= 0.46875:    erf(t) = t A(w)/B(w), erfc = (B - t A)/B
 *                    (erf(t) <= 0.493 there: no cancellation);
 *   0.46875 < a <= 4: erfc(a) = e^-w C(a)/D(a);
 *   a > 4:           erfc(a) = e^-w (1/sqrt(pi) - z P(z)/Q(z))/a, z = 1/w,
 *                    written here as (w Qw/sqrt(pi) - Pw)/(a w Qw) with Pw, Qw
 *                    the polynomials P, Q multiplied by w^5 (coefficients in
 *                    reverse order): no division for z, and z P/Q < 1/(2w)
 *                    of 1/sqrt(pi) (no cancellation, all coefficients positive);
 *   t < 0:           erfc(t) = 2 - erfc(a) = (2 den - e^-w num)/den.
 * Every piece is evaluated and the numerators and denominators are selected
 * before the one division (no branches).  a is capped at 27.5 (erfc(27.3)
 * underflows in double, and the result is then set to 0 there). */
static inline double vm_erfc(double t)
{
    double a = vm_min(__builtin_fabs(t), 27.5);
    double w = a * a;
    /* a <= 0.46875 */
    double an = 1.85777706184603153e-1;
    an = an * w + 3.16112374387056560e00;
    an = an * w + 1.13864154151050156e02;
    an = an * w + 3.77485237685302021e02;
    an = an * w + 3.20937758913846947e03;
    double bd = w + 2.36012909523441209e01;
    bd = bd * w + 2.44024637934444173e02;
    bd = bd * w + 1.28261652607737228e03;
    bd = bd * w + 2.84423683343917062e03;
    /* 0.46875 < a <= 4 */
    double cn = 2.15311535474403846e-8;
    cn = cn * a + 5.64188496988670089e-1;
    cn = cn * a + 8.88314979438837594e00;
    cn = cn * a + 6.61191906371416295e01;
    cn = cn * a + 2.98635138197400131e02;
    cn = cn * a + 8.81952221241769090e02;
    cn = cn * a + 1.71204761263407058e03;
    cn = cn * a + 2.05107837782607147e03;
    cn = cn * a + 1.23033935479799725e03;
    double dd = a + 1.57449261107098347e01;
    dd = dd * a + 1.17693950891312499e02;
    dd = dd * a + 5.37181101862009858e02;
    dd = dd * a + 1.62138957456669019e03;
    dd = dd * a + 3.29079923573345963e03;
    dd = dd * a + 4.36261909014324716e03;
    dd = dd * a + 3.43936767414372164e03;
    dd = dd * a + 1.23033935480374942e03;
    /* a > 4 */
    double pw = 6.58749161529837803e-4;
    pw = pw * w + 1.60837851487422766e-2;
    pw = pw * w + 1.25781726111229246e-1;
    pw = pw * w + 3.60344899949804439e-1;
    pw = pw * w + 3.05326634961232344e-1;
    pw = pw * w + 1.63153871373020978e-2;
    double qw = 2.33520497626869185e-3;
    qw = qw * w + 6.05183413124413191e-2;
    qw = qw * w + 5.27905102951428412e-1;
    qw = qw * w + 1.87295284992346047e00;
    qw = qw * w + 2.56852019228982242e00;
    qw = qw * w + 1.0;
    double wq = w * qw;
    double tn = wq * 0.56418958354775628695 - pw;
    double td = a * wq;
    double mid = a <= 4.0 ? 1.0 : 0.0;
    double num = mid != 0.0 ? cn : tn;
    double den = mid != 0.0 ? dd : td;
    double e = vm_exp(-w);
    e = a >= 27.5 ? 0.0 : e;
    double en = e * num;
    num = t < 0.0 ? 2.0 * den - en : en;
    double small = a <= 0.46875 ? 1.0 : 0.0;
    num = small != 0.0 ? bd - t * an : num;
    den = small != 0.0 ? bd : den;
    return num / den;
}

#endif
