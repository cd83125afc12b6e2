/* Double-precision building blocks for the float32 kernels, written so that GCC
 * vectorises the loops that call them (no calls, no table lookups, selects
 * instead of branches, integer work on the bit patterns in 64-bit lanes).
 *
 * Every kernel computes a float32 result in double and rounds once.  A double
 * result with relative error e rounds to within 0.5 + e * 2^24 float32 ULPs of
 * the true value, so the bound of 1 float32 ULP holds as long as e stays far
 * below 2^-25 ~ 3e-8.  The functions here have e below 1e-14 (comments give the
 * argument); the kernels avoid cancellation that would amplify it by more than
 * a few thousand.  The cheaper vm_exp, vm_expm1, vm_log1p_unit32 and
 * vm_erfc, for kernels with float32 results, have e below 2e-13, 1e-12, 1e-13
 * and 3e-12: still 10^4 times below 2^-25, so a float32 result rounds to the
 * same value as from the exact one except within 10^-4 ULP of a rounding
 * boundary (and then differs by 1 ULP).  Subnormal float32 values are normal doubles, so they are
 * computed to full relative accuracy too.
 *
 * Constants: the Cody-Waite split of log 2 is fdlibm's (Sun Microsystems,
 * "Developed at SunPro ... Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice is preserved").  The
 * other polynomials are our own Chebyshev fits (exp, erfc) or Taylor series
 * (log: coefficients 2/(2k+1)).
 */
#ifndef ACTFN_VMATH_H
#define ACTFN_VMATH_H

#include <stdint.h>
#include <string.h>

static inline double vm_from_bits(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static inline uint64_t vm_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

#define VM_INVLN2 0x1.71547652b82fep0
#define VM_LN2HI 6.93147180369123816490e-01 /* fdlibm ln2_hi: 32 significant bits */
#define VM_LN2LO 1.90821492927058770002e-10 /* fdlibm ln2_lo */
#define VM_SQRT2 1.4142135623730951

/* a * b + c rounded once.  Inside the kernels' instruction-set clones with FMA
 * (x86-64-v3, v4: kernels.h) it is one instruction; in the default clone a call
 * to the C library's fma, slower but the same value, so every clone computes the
 * same results.  The Horner steps use it: one rounding per step instead of two. */
static inline double vm_fma(double a, double b, double c) { return __builtin_fma(a, b, c); }

static inline double vm_min(double a, double b) { return b < a ? b : a; }
static inline double vm_max(double a, double b) { return b > a ? b : a; }

/* NumPy's maximum and minimum, signed zeros and NaN included: NaN in either
 * argument gives NaN, and equal arguments (+0 and -0) give the second one.  The
 * generic forms are written with them, so kernels that mirror a generic form
 * use these. */
static inline double np_maximum(double a, double b) { return a != a ? a : (a > b ? a : b); }
static inline double np_minimum(double a, double b) { return a != a ? a : (a < b ? a : b); }
/* NumPy's clip(x, lo, hi): min(max(x, lo), hi) keeping x where equal (clip(-0, 0, 6) = -0). */
static inline double np_clip(double x, double lo, double hi)
{
    double t = x < lo ? lo : x;
    return t > hi ? hi : t;
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
    q = vm_fma(q, z, 2.0 / 19);
    q = vm_fma(q, z, 2.0 / 17);
    q = vm_fma(q, z, 2.0 / 15);
    q = vm_fma(q, z, 2.0 / 13);
    q = vm_fma(q, z, 2.0 / 11);
    q = vm_fma(q, z, 2.0 / 9);
    q = vm_fma(q, z, 2.0 / 7);
    q = vm_fma(q, z, 2.0 / 5);
    q = vm_fma(q, z, 2.0 / 3);
    double lm = 2.0 * s + s * (z * q); /* 2 atanh s = 2s + 2s^3/3 + 2s^5/5 + ... */
    double y = e * VM_LN2HI + (e * VM_LN2LO + lm);
    y = x == __builtin_inf() ? x : y;
    /* log 0 = -inf; negative and NaN arguments give NaN */
    return x > 0.0 ? y : (x == 0.0 ? -__builtin_inf() : __builtin_nan(""));
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

/* exp and expm1: relative error below 2e-13 (far below 2^-25, see the top of
 * this file).
 *
 * The reduction: x clamped to [-708, 709] (2^k stays a normal double), x = k
 * ln2 + r, |r| <= 0.3466, Cody-Waite with fdlibm's split of ln 2 (k ln2_hi is
 * exact: k has at most 11 bits, ln2_hi 32), and 2^k from a single shift: t = x/ln2 + (1.5 * 2^52 + 1023) holds k + 1023 (in [2, 2046])
 * in its low mantissa bits, and shifting t's bits left by 52 puts exactly that
 * in the exponent field, with a zero sign and mantissa.
 * e^r - 1 = r + r^2 q(r) with q of degree 7: a Chebyshev fit of
 * (e^r - 1 - r)/r^2 on [-0.3466, 0.3466] (numpy's Chebyshev.fit on 400 nodes,
 * values from mpmath); measured against mpmath on 2001 points, with the double
 * Horner evaluation: |1 + p(r) - e^r| / e^r < 7.6e-14. */
#define VM_SHIFT_BIASED (0x1.8p52 + 1023.0) /* exact */

static inline double vm_em1_poly(double r)
{
    double q = 2.7625148401325643e-06;
    q = vm_fma(q, r, 2.486788343130254e-05);
    q = vm_fma(q, r, 0.00019841208668714924);
    q = vm_fma(q, r, 0.0013888839090136448);
    q = vm_fma(q, r, 0.00833333335376652);
    q = vm_fma(q, r, 0.04166666678634177);
    q = vm_fma(q, r, 0.16666666666648236);
    q = vm_fma(q, r, 0.4999999999995512);
    return r + (r * r) * q;
}

static inline double vm_reduce(double x, double *r, double *k)
{
    x = vm_max(vm_min(x, 709.0), -708.0);
    double t = vm_fma(x, VM_INVLN2, VM_SHIFT_BIASED);
    double kk = t - VM_SHIFT_BIASED;
    *r = vm_fma(-kk, VM_LN2LO, vm_fma(-kk, VM_LN2HI, x));
    *k = kk;
    return vm_from_bits(vm_bits(t) << 52);
}

/* exp(x) for x in [-708, 709] (clamped outside: exp(-708) = 3.3e-308 stands
 * for smaller results, which round to 0 in float32 unless multiplied by more
 * than 1e262; exp(709) = 8.2e307 for larger ones, inf once rounded to
 * float32); relative error below 2e-13. */
static inline double vm_exp(double x)
{
    double r, k;
    double s = vm_reduce(x, &r, &k);
    return s + s * vm_em1_poly(r);
}

/* exp(x) - 1, relative error below 1e-12 for all x: with k = 0 it is the
 * series itself (-0 kept); otherwise 2^k (e^r - 1) + (2^k - 1), where 2^k - 1
 * is exact for |k| <= 53 and the two terms cancel by at most a factor 4 (k = 1,
 * r < 0: the result is at least 0.41 against terms below 1.6). */
static inline double vm_expm1(double x)
{
    double r, k;
    double s = vm_reduce(x, &r, &k);
    double p = vm_em1_poly(r);
    p = x == 0.0 ? x : p; /* (the series gives +0 at -0) */
    return k == 0.0 ? p : s * p + (s - 1.0);
}

/* log(1 + u) for 0 <= u <= 1 (NaN gives NaN), relative error below 1e-13, for
 * kernels with float32 results (softplus, log_sigmoid: u = e^-|x|): one
 * division instead of vm_log1p's two, no exponent extraction.
 * m = 1 + u, or (1 + u)/2 with ln 2 added back when u > sqrt 2 - 1, so that
 * m is in [sqrt(1/2), sqrt 2]; f = m - 1 is u itself or (u - 1)/2, exact for
 * u >= 1/2 (Sterbenz) and off by at most 2^-55 (relative 1e-16, |f| >= 0.25)
 * below: 1 + u is never rounded.  log m = 2 atanh(s), s = f/(2 + f),
 * |s| <= 0.1716: 2s (1 + z/3 + ... + z^8/17), z = s^2, truncation below
 * 0.1716^18/19 < 3.5e-14 relative; s carries two roundings.  ln 2 + log m
 * cancels by at most a factor 2 (log m >= -0.347). */
static inline double vm_log1p_unit32(double u)
{
    double big = u > 0.41421356237309503 ? 1.0 : 0.0;
    double f = big != 0.0 ? (u - 1.0) * 0.5 : u;
    double s = f / (2.0 + f);
    double z = s * s;
    double q = 2.0 / 17;
    q = vm_fma(q, z, 2.0 / 15);
    q = vm_fma(q, z, 2.0 / 13);
    q = vm_fma(q, z, 2.0 / 11);
    q = vm_fma(q, z, 2.0 / 9);
    q = vm_fma(q, z, 2.0 / 7);
    q = vm_fma(q, z, 2.0 / 5);
    q = vm_fma(q, z, 2.0 / 3);
    double lm = 2.0 * s + s * (z * q);
    return big != 0.0 ? (VM_LN2HI + (VM_LN2LO + lm)) : lm;
}

/* The complementary error function for kernels with float32 results:
 * erfc(t) = e^-w R(a) with a = |t|, w = a^2 and R a rational approximation of
 * erfcx(a) = e^(a^2) erfc(a), and erfc(t) = 2 - erfc(a) for t < 0 (in [1, 2]:
 * no cancellation), written (2 D - e^-w N)/D so that there is one division.
 * Relative error below 3e-12 for t <= 10.6 (2.8e-12 measured against mpmath on
 * a dense grid with these double operations, plus vm_exp's 2e-13 and the
 * rounding of w, amplified at most 113 times by exp), far below the 2^-25 a
 * float32 result needs (see the top of this file).  Beyond 10.6 erfc(t) <
 * 2e-51, below every float32; there R is held at R(10.7), within a factor 2.6
 * of erfcx(a) up to the cap a = 27.5, where e^-w is set to 0 (erfc(27.3)
 * underflows in double; vm_exp would return e^-708).  NaN gives NaN,
 * erfc(inf) = 0, erfc(-inf) = 2.
 *
 * R is N(s)/D(s), both of degree 5, on two pieces chosen per lane by selecting
 * the coefficients (no branches): a in [0, 2] with s = a - 1, and (2, 10.7]
 * with s = (2a - 12.7)/8.7.  The coefficients are our own fit: a linearised
 * least-squares fit of N - erfcx D in a Chebyshev basis with Lawson reweighting
 * towards the minimax error, on 2500 Chebyshev nodes per piece with erfcx from
 * mpmath (30 digits), converted to powers of s.  D > 0.015 on both pieces. */
static inline double vm_erfc(double t)
{
    double a = vm_min(__builtin_fabs(t), 27.5);
    double w = a * a;
    double ar = vm_min(a, 10.7);
    const int far = ar > 2.0; /* one mask for every select below */
    double s = far ? ar * 0.2298850574712644 - 1.4597701149425288 : ar - 1.0;
    double n5 = far ? -5.468408076622123e-10 : -3.8669894672545304e-07;
    double n4 = far ? 0.00892665646547518 : 0.0023620767024833183;
    double n3 = far ? 0.062051265527299615 : 0.03043506456285428;
    double n2 = far ? 0.16374350879971916 : 0.1587981538072153;
    double n1 = far ? 0.1944852981742424 : 0.3961859418069458;
    double n0 = far ? 0.08778566870111432 : 0.427583576156023;
    double d5 = far ? 0.06882604245932669 : 0.004176353914877708;
    double d4 = far ? 0.578896429792926 : 0.05820784486739936;
    double d3 = far ? 1.9627013522677021 : 0.3370511274544744;
    double d2 = far ? 3.352450030459765 : 1.0106799346613675;
    double d1 = far ? 2.8844731878341308 : 1.565537111164609;
    double num = vm_fma(vm_fma(vm_fma(vm_fma(vm_fma(n5, s, n4), s, n3), s, n2), s, n1), s, n0);
    double den = vm_fma(vm_fma(vm_fma(vm_fma(vm_fma(d5, s, d4), s, d3), s, d2), s, d1), s, 1.0);
    double e = vm_exp(-w);
    e = a >= 27.5 ? 0.0 : e;
    double en = e * num;
    num = t < 0.0 ? 2.0 * den - en : en;
    return num / den;
}

#define GELU_INV_SQRT2 0.7071067811865476 /* 1/sqrt 2, correctly rounded */
#define GELU_K2 1.5957691216057308        /* 2 sqrt(2/pi), correctly rounded */
#define GELU_C 0.044715

/* gelu, exact form: (x/2) erfc(-x/sqrt 2) on [-40, 40], x beyond 40 and -0
 * below -40, as the generic form's selects (NaN passes the clip).  t = -x/sqrt 2
 * is rounded once (relative 2.2e-16 with the constant's rounding); erfc's
 * relative condition number is about 2t^2 for t > 1, at most 200 where the
 * float32 result is not 0 (|x| < 14), so 5e-14 relative, plus vm_erfc's own
 * 2e-14 and two roundings.  For x > 0, erfc(t) = 2 - erfc(|t|) in [1, 2]: no
 * cancellation (vm_erfc). */
static inline double vm_gelu_erf(double x)
{
    double r = 0.5 * x * vm_erfc(x * -GELU_INV_SQRT2);
    return x < -40.0 ? -0.0 : r;
}

/* gelu, tanh form: 0.5 x (1 + tanh u) = x / (1 + exp(-v)), v = 2u =
 * 2 sqrt(2/pi) (x + 0.044715 x^3), x clipped to [-30, 30] (x beyond 30; below
 * -30 the quotient is -30/(1 + e^700), -0 in float32 like the generic form's
 * tail).  v is rounded a few times (relative 5e-16) where the generic form
 * carries it as a double-double: an absolute error of at most 700 * 5e-16 in
 * exp's argument, 4e-13 relative, negligible for a float32 result. */
static inline double vm_gelu_tanh(double x)
{
    double v = GELU_K2 * (x + GELU_C * (x * x) * x);
    double r = x / (1.0 + vm_exp(-v));
    return x < -30.0 ? -0.0 : r;
}


#endif
