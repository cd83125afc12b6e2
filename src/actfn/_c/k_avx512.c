/* sigmoid, silu, glu's gate, softplus and gelu in float32 arithmetic, for x86-64
 * processors with AVX-512 (16 lanes per instruction where double gets 8).
 *
 * The double kernels (k_sigmoidal.c, k_smooth.c, k_normalizing.c) spend most
 * of their time in a double exp, log and division; these compute the same
 * quantities (m sigmoid(x) with m = 1, x or glu's a; softplus and gelu below) with float
 * operations, keeping the intermediate values that need it as unevaluated sums
 * of two floats:
 *
 *   E = e^-|x| = 2^k (T + t)       T = 2^(j/16) rounded to float (a table of 16,
 *                                  one permute; halved, with k one more, so that
 *                                  m T cannot overflow); t carries T's rounding
 *                                  and T (e^r - 1), |r| <= ln2/32
 *   D = 1 + E  = dh + dl           exact sum (Fast2Sum: 1 >= 2^k T) plus t
 *   1/D        = q (1 + s)         q = 1/(dh + dl) rounded, s = e = 1 - D q
 *                                  from two fmas (the first rounds: 2^-31
 *                                  relative); |e| <= 2^-23, e^2 left out
 *   m q        = ph + pl           exact product (an fma)
 *
 * x >= 0: m/D = ph + (ph s + pl), rounded once at the end.
 * x <  0: m E/D = 2^k (ph T + (pl T + ph (T s + t))): the first product is
 *         exact inside the last fma, the scaling by 2^k (vscalefps) rounds
 *         once more only where the result is subnormal.
 * silu and sigmoid have a path for vectors whose 16 lanes all have |x| in
 * [2^-60, 80] (the common case): one form for both signs, no clamp, no final
 * scaling (silu_mid, sigmoid_mid; the same bits as the general path, tested).
 *
 * Error (before the final rounding), relative to the result: e^r - 1 by
 * r + r^2 (C2 + C3 r), a fit with error below 2.11e-9 (Taylor's degree 4,
 * r + r^2 (1/2 + r/6 + r^2/24), cost one more fma for 4e-11); r = -|x| -
 * n ln2/16 in two steps with ln2/16 = hi + lo (hi of 11 bits, so n hi is exact
 * for |n| <= 4617, |x| <= 200) and the second step rounded: below 2^-24 |r| <
 * 1.3e-9, plus lo's own error, n 8e-13 < 3.7e-9; the roundings of t, dl, e and
 * the correction terms, each 2^-24 times a term below 0.05 of the result, and
 * e^2 < 2^-46: about 1.2e-8 in all, against the 2^-25 = 3e-8 that would move a
 * float32 result by a whole ULP.  The bound is checked rather than only argued:
 * actfn._cnative.check512 compares each kernel with the double formula over
 * all 2^32 float32 inputs (tests/test_native.py): at most 0.81 ULP (sigmoid
 * 0.778, silu 0.784, glu 0.800, softplus 0.805, gelu 0.774).
 *
 * Special values: |x| is clamped at 200 (NaN kept), where e^-200 times any
 * float32 multiplier rounds to 0.  Vectors with a rare multiplier (0, below
 * 2^-60, infinite or NaN) take a slower variant: glu scales a tiny m by 2^64
 * (so that m q = ph + pl stays exact) and the result back, and where m q is 0
 * or infinite returns m q (signed zeros, infinities, which the correction
 * terms would turn into NaN or the wrong zero); silu gives x/2 below 2^-60,
 * +inf at +inf and uses m = max(x, -200) (silu(-inf) = -0).  NaN gives NaN.
 *
 * Only this file uses AVX-512 instructions, in functions compiled for them; the
 * others call them only when actfn_avx512 says the processor has them
 * (otherwise, and on other compilers and processors, the double kernels run).
 */
#include "kernels.h"

#if ACTFN_HAVE_AVX512

#include <immintrin.h>
#include <stdint.h>

#define AVX512 __attribute__((target("avx512f")))

int actfn_avx512 = -1;

int actfn_avx512_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0; /* (a bit mask: nonzero) */
}

/* 2^(j/16) / 2 as hi + lo (mpmath, 50 digits; hi the nearest float, lo the
 * nearest float to the rest): halved so that m T never overflows (T < 1). */
static const float T_HI[16] = {
    0x1p-1f,         0x1.0b5586p-1f, 0x1.172b84p-1f, 0x1.2387a6p-1f, 0x1.306fep-1f,  0x1.3dea64p-1f,
    0x1.4bfdaep-1f,  0x1.5ab07ep-1f, 0x1.6a09e6p-1f, 0x1.7a1148p-1f, 0x1.8ace54p-1f, 0x1.9c4918p-1f,
    0x1.ae89fap-1f,  0x1.c199bep-1f, 0x1.d5818ep-1f, 0x1.ea4afap-1f,
};
static const float T_LO[16] = {
    0.0f,            0x1.9f3122p-26f,  -0x1.c15742p-28f, 0x1.ceac48p-26f,
    0x1.4636e2p-26f, 0x1.824684p-26f,  -0x1.593abcp-26f, -0x1.5bd5ecp-28f,
    0x1.9fcef4p-27f, -0x1.829fdp-26f,  0x1.15506ep-28f,  0x1.51f848p-28f,
    -0x1.a94b14p-27f, -0x1.3d56b2p-28f, -0x1.822dbcp-28f, 0x1.52486cp-28f,
};

#define SIG_CLAMP 200.0f
#define SIG_SHIFT 0x1.8p23f           /* adding it rounds to an integer */
#define SIG_16_LN2 0x1.715476p+4f     /* 16/ln 2 */
#define SIG_LN2_16_HI 0x1.62cp-5f     /* ln2/16: 11 bits */
#define SIG_LN2_16_LO 0x1.217f7ep-16f /* the rest, rounded */
/* e^r - 1 = r + r^2 (C2 + C3 r) on |r| <= ln2/32, within 2.11e-9 (the Remez
 * fit below, mpmath at 40 digits, rounded to float; Taylor's 1/2, 1/6: 9.2e-9) */
#define SIG_C2 0x1.000274p-1f
#define SIG_C3 0x1.555736p-3f

#define INLINE512 AVX512 static inline __attribute__((always_inline))

/* E = e^-|x| = 2^k (th + tt) = A + B and D = 1 + E = dh + dl (see the top of
 * this file), |x| clamped at 200 (NaN kept). */
typedef struct {
    __m512 k, th, tt, A, B, dh, dl;
} exp_parts;

/* E and D for a = |x| <= SIG_CLAMP (NaN kept). */
INLINE512 exp_parts exp_neg_abs_of(__m512 a)
{
    const __m512 one = _mm512_set1_ps(1.0f), shift = _mm512_set1_ps(SIG_SHIFT);
    exp_parts e;
    /* -a = n ln2/16 + r, n = 16 k + j (k <= 0, 0 <= j < 16) */
    __m512 t = _mm512_fmadd_ps(a, _mm512_set1_ps(-SIG_16_LN2), shift);
    __m512 n = _mm512_sub_ps(t, shift);
    __m512 r = _mm512_fnmsub_ps(n, _mm512_set1_ps(SIG_LN2_16_HI), a); /* -a - n hi, exact */
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(SIG_LN2_16_LO), r);
    /* the low bits of t hold n (two's complement): j = n mod 16 indexes the
     * table; k + 1 = floor(n/16) + 1, the table holding T/2, is taken as n/16 + 1,
     * whose floor is what vscalefps applies (exact: |n| < 2^13) */
    __m512i ni = _mm512_castps_si512(t);
    e.k = _mm512_fmadd_ps(n, _mm512_set1_ps(0.0625f), one);
    e.th = _mm512_permutexvar_ps(ni, _mm512_loadu_ps(T_HI));
    __m512 tl = _mm512_permutexvar_ps(ni, _mm512_loadu_ps(T_LO));
    __m512 c = _mm512_fmadd_ps(r, _mm512_set1_ps(SIG_C3), _mm512_set1_ps(SIG_C2));
    __m512 p = _mm512_fmadd_ps(_mm512_mul_ps(r, r), c, r); /* e^r - 1 */
    e.tt = _mm512_fmadd_ps(e.th, p, tl);                   /* E = 2^(k+1) (th + tt) */
    e.A = _mm512_scalef_ps(e.th, e.k);
    e.B = _mm512_scalef_ps(e.tt, e.k);
    e.dh = _mm512_add_ps(one, e.A); /* 1 >= A: dh + (A - (dh - 1)) = 1 + A exactly */
    e.dl = _mm512_add_ps(_mm512_sub_ps(e.A, _mm512_sub_ps(e.dh, one)), e.B);
    return e;
}

/* The same for any x: |x| clamped at SIG_CLAMP, NaN kept. */
INLINE512 exp_parts exp_neg_abs(__m512 x)
{
    return exp_neg_abs_of(_mm512_min_ps(_mm512_set1_ps(SIG_CLAMP), _mm512_abs_ps(x)));
}

/* m sigmoid(x) for 16 lanes (see the top of this file); mode (a constant where
 * it is inlined): 0 for any m with |m| in [2^-60, inf) (no special case), 1
 * silu (m = max(x, -200)), 2 glu (any m), 3 sigmoid (m = 1: m q = q). */
/* 1/D = q (1 + s) for D = dh + dl (see the top of this file); returns q. */
INLINE512 __m512 recip2(__m512 dh, __m512 dl, __m512 *s)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 q = _mm512_div_ps(one, _mm512_add_ps(dh, dl));
    /* 1 - D q: |dl| reaches 0.011 dh (e^r - 1 in it), so 1 - dh q is about dl/D
     * and rounds (2^-31 relative error), then the rest is exact */
    __m512 e = _mm512_fnmadd_ps(dh, q, one);
    *s = _mm512_fnmadd_ps(dl, q, e); /* 1/D = q (1 + e + e^2 ...), e^2 < 2^-46 left out */
    return q;
}

INLINE512 __m512 sig_times(__m512 x, __m512 m, int mode)
{
    exp_parts E = exp_neg_abs(x);
    __m512 k = E.k, th = E.th, tt = E.tt;
    __m512 s;
    __m512 q = recip2(E.dh, E.dl, &s);
    /* glu: a tiny m (below 2^-60) taken times 2^64, so that m q = ph + pl
     * exactly (no subnormal), and the result times 2^-64 (rounded once there) */
    __mmask16 tiny = 0;
    __m512 sc = _mm512_setzero_ps();
    if (mode == 2) {
        tiny = _mm512_cmp_ps_mask(_mm512_abs_ps(m), _mm512_set1_ps(0x1p-60f), _CMP_LT_OQ);
        sc = _mm512_maskz_mov_ps(tiny, _mm512_set1_ps(64.0f));
        m = _mm512_mask_mul_ps(m, tiny, m, _mm512_set1_ps(0x1p64f));
        k = _mm512_sub_ps(k, sc);
    }
    __m512 ph = q, pl = _mm512_setzero_ps(); /* m q = ph + pl */
    if (mode != 3) {
        ph = _mm512_mul_ps(m, q);
        pl = _mm512_fmsub_ps(m, q, ph);
    }
    __m512 pos = mode == 3 ? _mm512_fmadd_ps(q, s, q)
                           : _mm512_add_ps(ph, _mm512_fmadd_ps(ph, s, pl));
    if (mode == 2)
        pos = _mm512_scalef_ps(pos, _mm512_sub_ps(_mm512_setzero_ps(), sc));
    __m512 cn = _mm512_mul_ps(ph, _mm512_fmadd_ps(th, s, tt));
    if (mode != 3)
        cn = _mm512_fmadd_ps(pl, th, cn);
    __m512 neg = _mm512_scalef_ps(_mm512_fmadd_ps(ph, th, cn), k);
    __mmask16 below = _mm512_cmplt_epi32_mask(_mm512_castps_si512(x), _mm512_setzero_si512());
    __m512 y = _mm512_mask_blend_ps(below, pos, neg);
    if (mode == 1) {
        /* silu: x/2 for |x| < 2^-60 (x^2/4 is below half its ULP; signed zeros
         * kept), +inf for +inf (-inf: m = -200 gives -0) */
        __m512 ax = _mm512_abs_ps(x);
        __mmask16 small = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(0x1p-60f), _CMP_LT_OQ);
        y = _mm512_mask_mul_ps(y, small, x, _mm512_set1_ps(0.5f));
        y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(__builtin_inff()), _CMP_EQ_OQ), x);
    }
    if (mode == 2) {
        /* m q zero or infinite: itself (signed zeros, infinities) */
        __m512 aph = _mm512_abs_ps(ph);
        __mmask16 edge = _mm512_cmp_ps_mask(aph, _mm512_setzero_ps(), _CMP_EQ_OQ) |
                         _mm512_cmp_ps_mask(aph, _mm512_set1_ps(__builtin_inff()), _CMP_EQ_OQ);
        y = _mm512_mask_blend_ps(edge, y, ph);
    }
    return y;
}

/* kind 0: sigmoid, 1: silu */
INLINE512 __m512 sig_kind(__m512 v, int kind)
{
    __m512 m = kind ? _mm512_max_ps(_mm512_set1_ps(-SIG_CLAMP), v) : _mm512_set1_ps(1.0f);
    return sig_times(v, m, kind ? 1 : 3);
}

/* Whether some lane of m is 0, tiny (below 2^-60), infinite or NaN: the rare
 * vectors that need mode 1 or 2 (the others take mode 0, fewer operations). */
INLINE512 __mmask16 special(__m512 m)
{
    __m512 am = _mm512_abs_ps(m);
    return _mm512_cmp_ps_mask(am, _mm512_set1_ps(0x1p-60f), _CMP_LT_OQ) |
           _mm512_cmp_ps_mask(am, _mm512_set1_ps(0x1.fffffep127f), _CMP_NLE_UQ);
}

/* silu where every lane has 2^-60 <= |x| <= 80: x N/D in one form for both
 * signs, N = 1 for x >= 0 and E = A + B below, (ph + pl)(1 + s)(nh + nl) =
 * ph nh + (ph (nh s + nl) + pl nh), rounded once at the end.  No scaling by 2^k
 * at the end: |x| E >= 80 e^-80 > 2^-112 and A, B are normal; the correction
 * terms that fall below 2^-126 there (pl A) are 2^-40 of the result's ULP. */
INLINE512 __m512 silu_mid(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    exp_parts E = exp_neg_abs_of(_mm512_abs_ps(x));
    __m512 s;
    __m512 q = recip2(E.dh, E.dl, &s);
    __m512 ph = _mm512_mul_ps(x, q);
    __m512 pl = _mm512_fmsub_ps(x, q, ph);
    __mmask16 below = _mm512_cmplt_epi32_mask(_mm512_castps_si512(x), _mm512_setzero_si512());
    __m512 nh = _mm512_mask_blend_ps(below, one, E.A);
    __m512 nl = _mm512_maskz_mov_ps(below, E.B);
    __m512 cn = _mm512_mul_ps(ph, _mm512_fmadd_ps(nh, s, nl));
    cn = _mm512_fmadd_ps(pl, nh, cn);
    return _mm512_fmadd_ps(ph, nh, cn);
}

/* sigmoid where every lane has 2^-60 <= |x| <= 80: for x >= 0, q + q s as the
 * general form (mode 3); below, E/D = q A + q (A s + B), the general form's
 * q th + q (th s + tt) times 2^k, without the final scaling (A and B carry
 * 2^k, and q A >= e^-80/2 is normal). */
INLINE512 __m512 sigmoid_mid(__m512 x)
{
    exp_parts E = exp_neg_abs_of(_mm512_abs_ps(x));
    __m512 s;
    __m512 q = recip2(E.dh, E.dl, &s);
    __m512 pos = _mm512_fmadd_ps(q, s, q);
    __m512 neg = _mm512_fmadd_ps(q, E.A, _mm512_mul_ps(q, _mm512_fmadd_ps(E.A, s, E.B)));
    __mmask16 below = _mm512_cmplt_epi32_mask(_mm512_castps_si512(x), _mm512_setzero_si512());
    return _mm512_mask_blend_ps(below, pos, neg);
}

/* Whether all 16 lanes have 2^-60 <= |v| <= the float whose bits are top (NaN
 * fails): |v|'s bits minus those of 2^-60, compared unsigned (below 2^-60 wraps
 * around to a large number). */
INLINE512 int lanes_within(__m512 v, int32_t top)
{
    __m512i d = _mm512_sub_epi32(_mm512_castps_si512(_mm512_abs_ps(v)),
                                 _mm512_set1_epi32(0x21800000));
    return _mm512_cmple_epu32_mask(d, _mm512_set1_epi32(top - 0x21800000)) == 0xffff;
}

INLINE512 void sig_loop(const float *restrict x, float *restrict y, Py_ssize_t n, int kind)
{
    Py_ssize_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        if (kind == 1 && lanes_within(v, 0x42a00000)) /* |x| <= 80 */
            _mm512_storeu_ps(y + i, silu_mid(v));
        else if (kind == 0 && lanes_within(v, 0x42a00000))
            _mm512_storeu_ps(y + i, sigmoid_mid(v));
        else if (kind == 1 && !special(v))
            _mm512_storeu_ps(y + i, sig_times(v, v, 0));
        else
            _mm512_storeu_ps(y + i, sig_kind(v, kind));
    }
    if (i < n) {
        __mmask16 tail = (__mmask16)((1u << (n - i)) - 1u);
        __m512 v = _mm512_maskz_loadu_ps(tail, x + i);
        _mm512_mask_storeu_ps(y + i, tail, sig_kind(v, kind));
    }
}

AVX512 void actfn_sigmoid512(const float *restrict x, float *restrict y, Py_ssize_t n)
{
    sig_loop(x, y, n, 0);
}

AVX512 void actfn_silu512(const float *restrict x, float *restrict y, Py_ssize_t n)
{
    sig_loop(x, y, n, 1);
}

/* y[j] = a[j] sigmoid(b[j]); returns whether some b[j] < -700 has an infinite
 * a[j] (glu's caller then applies the generic form's rule there). */
AVX512 int actfn_glu512(const float *restrict a, const float *restrict b, float *restrict y,
                        Py_ssize_t n)
{
    __mmask16 odd = 0;
    const __m512 lim = _mm512_set1_ps(-700.0f), inf = _mm512_set1_ps(__builtin_inff());
    for (Py_ssize_t i = 0; i < n; i += 16) {
        __mmask16 live = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
        __m512 av = _mm512_maskz_loadu_ps(live, a + i), bv = _mm512_maskz_loadu_ps(live, b + i);
        if (special(av) & live) {
            _mm512_mask_storeu_ps(y + i, live, sig_times(bv, av, 2));
            odd |= _mm512_cmp_ps_mask(bv, lim, _CMP_LT_OQ) &
                   _mm512_cmp_ps_mask(_mm512_abs_ps(av), inf, _CMP_EQ_OQ);
        } else {
            _mm512_mask_storeu_ps(y + i, live, sig_times(bv, av, 0));
        }
    }
    return odd != 0;
}

/* ------------------------------------------------------------------ softplus
 * softplus(x) = max(x, 0) + L, L = log(1 + E), E = e^-|x|, for beta = 1 and
 * no threshold (the default):
 *
 *   D = 1 + E = dh + dl        as in sig_times, then normalised (Fast2Sum)
 *   log D = -log c + log1p(z)  c = RN(1/(1 + j/16)), j = round(16 (dh - 1)) in
 *                              0..16 (c = 1 for j = 0: small E loses nothing),
 *                              -log c = LH + LL from a table, dh c = ph + pl
 *                              exactly, z = (ph - 1) + pl, |z| <= 1/32
 *   log(D c) = log1p(zh) + log1p(u), D c = 1 + zh + zl, zl = pl + Dl c,
 *              u = zl / (1 + zh) = zl (1 - zh + zh^2): log1p(zh) = zh + zh^2
 *              Q(zh), Q to degree 4 (truncation below 1/32^6 / 7 < 2e-10
 *              relative), log1p(u) = u - u^2/2.  Where E < 2^-10, zh = A and
 *              zl = B (E = A + B, c = 1): there Dh - 1 keeps few bits of E, and
 *              B, up to 0.022 A, needs its u^2/2.
 *   y = max(x, 0) + (LH + zh) + the small terms: two exact sums (Fast2Sum:
 *       LH = 0 or LH > |zh|; the larger of max(x, 0) and LH + zh first), then
 *       the small terms added, one rounding at the end.
 *
 * Where k < -124 (|x| > 86), L = E to float32 precision (E^2/2 below 2^-240) and
 * E is rounded once from th + tt (2^-25 relative, exact scaling or one more
 * rounding into the subnormal range).  +inf gives +inf; NaN gives NaN.  Checked
 * like the others over every float32 input (at most 0.81 ULP, see check512). */
static const float SP_C[32] = {
    0x1p+0f,        0x1.e1e1e2p-1f, 0x1.c71c72p-1f, 0x1.af286cp-1f, 0x1.99999ap-1f, 0x1.861862p-1f,
    0x1.745d18p-1f, 0x1.642c86p-1f, 0x1.555556p-1f, 0x1.47ae14p-1f, 0x1.3b13b2p-1f, 0x1.2f684cp-1f,
    0x1.24924ap-1f, 0x1.1a7b96p-1f, 0x1.111112p-1f, 0x1.08421p-1f,  0x1p-1f,
};
static const float SP_LH[32] = {
    0.0f,           0x1.f0a30ap-5f, 0x1.e27074p-4f, 0x1.5ff306p-3f, 0x1.c8ff7ap-3f, 0x1.1675cap-2f,
    0x1.4618bap-2f, 0x1.739d7ep-2f, 0x1.9f323cp-2f, 0x1.c8ff7ep-2f, 0x1.f128f4p-2f, 0x1.0be72ep-1f,
    0x1.1e85f4p-1f, 0x1.307d74p-1f, 0x1.41d8fcp-1f, 0x1.52a2d4p-1f, 0x1.62e43p-1f,
};
static const float SP_LL[32] = {
    0.0f,           0x1.162a76p-37f,  0x1.c55e5cp-29f, 0x1.4f27aap-32f,  0x1.e6a68ap-29f,
    -0x1.0a8b3ep-27f, 0x1.0e2f66p-29f, 0x1.5de804p-29f, 0x1.97f30ap-27f,  -0x1.959768p-32f,
    -0x1.0a1f2p-27f, 0x1.295418p-32f, 0x1.9c1036p-27f,  -0x1.561de8p-26f, 0x1.88ce58p-26f,
    -0x1.34874ap-26f, -0x1.05c61p-29f,
};

INLINE512 __m512 softplus16(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    exp_parts E = exp_neg_abs(x);
    __m512 k = E.k, th = E.th, tt = E.tt, A = E.A, B = E.B, dh = E.dh, dl = E.dl;
    __m512 Dh = _mm512_add_ps(dh, dl);
    __m512 Dl = _mm512_sub_ps(dl, _mm512_sub_ps(Dh, dh)); /* D = Dh + Dl, |Dl| <= ulp(Dh)/2 */
    __m512i j = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_sub_ps(Dh, one), _mm512_set1_ps(16.0f)));
    __m512 rc = _mm512_permutex2var_ps(_mm512_loadu_ps(SP_C), j, _mm512_loadu_ps(SP_C + 16));
    __m512 lh = _mm512_permutex2var_ps(_mm512_loadu_ps(SP_LH), j, _mm512_loadu_ps(SP_LH + 16));
    __m512 ll = _mm512_permutex2var_ps(_mm512_loadu_ps(SP_LL), j, _mm512_loadu_ps(SP_LL + 16));
    __m512 ph = _mm512_mul_ps(Dh, rc);
    __m512 pl = _mm512_fmsub_ps(Dh, rc, ph);
    /* z = zh + zl: (dh c - 1) + pl exactly; where E < 2^-10, E = A + B itself
     * (Dh - 1 would keep few of E's bits, the rest in Dl) */
    __mmask16 fewbits = _mm512_cmp_ps_mask(A, _mm512_set1_ps(0x1p-10f), _CMP_LT_OQ);
    __m512 zh = _mm512_mask_mov_ps(_mm512_sub_ps(ph, one), fewbits, A); /* exact */
    __m512 zl = _mm512_mask_mov_ps(_mm512_fmadd_ps(Dl, rc, pl), fewbits, B); /* D c = 1 + zh + zl */
    __m512 q = _mm512_fmadd_ps(zh, _mm512_set1_ps(-1.0f / 6), _mm512_set1_ps(1.0f / 5));
    q = _mm512_fmadd_ps(q, zh, _mm512_set1_ps(-0.25f));
    q = _mm512_fmadd_ps(q, zh, _mm512_set1_ps(1.0f / 3));
    q = _mm512_fmadd_ps(q, zh, _mm512_set1_ps(-0.5f));
    __m512 om = _mm512_fmadd_ps(zh, zh, _mm512_sub_ps(one, zh)); /* 1/(1 + zh), error zh^3 */
    __m512 u = _mm512_mul_ps(zl, om);                                /* zl / (1 + zh) */
    __m512 lo = _mm512_fmadd_ps(_mm512_mul_ps(u, u), _mm512_set1_ps(-0.5f), u); /* log1p(u) */
    lo = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(zh, zh), q, lo), ll);
    __m512 sh = _mm512_add_ps(lh, zh); /* Fast2Sum: lh = 0 or lh > |zh| */
    lo = _mm512_add_ps(_mm512_sub_ps(zh, _mm512_sub_ps(sh, lh)), lo);
    __m512 xp = _mm512_max_ps(x, _mm512_setzero_ps());
    __m512 big = _mm512_max_ps(xp, sh), small = _mm512_min_ps(xp, sh);
    __m512 s = _mm512_add_ps(big, small);
    lo = _mm512_add_ps(_mm512_sub_ps(small, _mm512_sub_ps(s, big)), lo);
    __m512 y = _mm512_add_ps(s, lo);
    /* |x| > 86: E itself; +inf: +inf */
    __mmask16 tiny = _mm512_cmp_ps_mask(k, _mm512_set1_ps(-124.0f), _CMP_LT_OQ);
    __mmask16 neg = _mm512_cmplt_epi32_mask(_mm512_castps_si512(x), _mm512_setzero_si512());
    y = _mm512_mask_mov_ps(y, tiny & neg, _mm512_scalef_ps(_mm512_add_ps(th, tt), k));
    return _mm512_mask_mov_ps(
        y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(__builtin_inff()), _CMP_EQ_OQ), x);
}

/* y[i] = EXPR for i < n, EXPR an expression in v, the 16 lanes x[i] .. x[i + 15]
 * (the tail masked; in an entry with parameters x, y, n). */
#define LOOP16(EXPR)                                                   \
    do {                                                               \
        Py_ssize_t i = 0;                                              \
        for (; i + 16 <= n; i += 16) {                                 \
            __m512 v = _mm512_loadu_ps(x + i);                         \
            _mm512_storeu_ps(y + i, (EXPR));                           \
        }                                                              \
        if (i < n) {                                                   \
            __mmask16 tail = (__mmask16)((1u << (n - i)) - 1u);        \
            __m512 v = _mm512_maskz_loadu_ps(tail, x + i);             \
            _mm512_mask_storeu_ps(y + i, tail, (EXPR));                \
        }                                                              \
    } while (0)

AVX512 void actfn_softplus512(const float *restrict x, float *restrict y, Py_ssize_t n)
{
    LOOP16(softplus16(v));
}

/* ---------------------------------------------------------------------- gelu
 * gelu(x) = x Phi(x), the exact form, Phi(x) = erfc(-x/sqrt 2)/2.  With u = |x|
 * (clamped at 14.5: beyond, x Phi(-u) rounds to -0 and x - x Phi(-u) to x):
 *
 *   H = Phi(-u) = e^v        v = V(u) = log(erfc(u/sqrt 2)/2)
 *   x <= 0: y = x H          x > 0: y = x - x H (H <= 1/2: no cancellation)
 *
 *   V = C0 + C1 s + q   on 15 intervals of width 1 centred on j = round(u), s =
 *                  u - j exact (Sterbenz; s = u for j = 0); C0 = C0h + C0l and C1
 *                  = C1h + C1l stored as two floats; q = C0l + C1l s + s^2 P(s),
 *                  P of degree 4 (Estrin's scheme, below)
 *   H = 2^k (th + tt)   e^v reduced like exp_neg_abs but with a table of 32:
 *                  v = n ln2/32 + r, n = 32 (k - 1) + j' from (C0h + C1h s) + q
 *                  rounded, |r| <= ln2/64; r = ((C0h - n hi) + C1h s) + (q - n
 *                  lo), where C0h - n hi is exact (|C0h - n hi| <= |C1|/2 + 0.2
 *                  fits in C0h's 24 bits: C0 grows like u^2/2, C1 like u) and C1h
 *                  s joins it in one fma (one rounding of a sum below 0.2 in
 *                  magnitude), q - n lo in another; e^r - 1 by r + r^2 (1/2 +
 *                  r/6), truncation below r^4/24 < 6e-10
 *   u H = 2^k (xh + xl)  xh + xl = (u 2^k) th exactly (u 2^k is normal where
 *                  |x| <= 12), xl gains u 2^k tl + xh (e^r - 1) (xh for u 2^k th:
 *                  a relative 2^-24 of a term below 0.011 of the result)
 *   y = max(x, 0) - u H  for either sign (x H for x < 0, x - x H above), by
 *                  Fast2Sum (max(x, 0) = 0 or >= 2 u H), one rounding at the end
 *
 * The tables: near-minimax fits on each interval (least squares on 200
 * Chebyshev nodes with Lawson reweighting, against V from mpmath at 40
 * digits), the coefficients of s^2 .. s^6 rounded to float one at a time with
 * the others refitted to the rest; the stored polynomials are within 1.5e-9 of
 * V (an absolute error in v, a relative one in H; 2.6e-10 beyond u = 2).  The
 * other errors (the roundings of q, of r's two sums and of xl), each 2^-24
 * times a term below 0.2, add up to about 1.5e-8 of the result, against the
 * 2^-25 (3e-8) that would move a float32 result by a whole ULP.  The
 * polynomial is evaluated by Estrin's scheme and r's two parts apart, which
 * shortens the chain of dependent operations (the kernel waits on it more
 * than on any execution unit: 0.62 -> 0.57 ns per element).
 *
 * Vectors with every |x| in [2^-60, 12] (gelu16_mid) take the form above.
 * The others (gelu16) compute x H and x - x H apart, scaled by 2^k after the
 * product (a result below 2^-126 is rounded there), and select: |x| < 2^-60
 * gives x/2 (x^2/sqrt(2 pi) is below half its ULP; signed zeros kept), x >
 * 14.5 and +inf give x, -inf gives -0, NaN gives NaN.  Checked over all 2^32
 * inputs against vmath's double gelu (check512): at most 0.774 ULP. */
static const float GE_C0H[16] = {
    -0x1.62e43p-1f, -0x1.d74d32p+0f, -0x1.e43f62p+1f, -0x1.a6e4fcp+2f, -0x1.4b85f4p+3f, -0x1.e21478p+3f,
    -0x1.4bc9cep+4f, -0x1.b6262p+4f, -0x1.181b84p+5f, -0x1.5d0674p+5f, -0x1.a9d9acp+5f, -0x1.fe9978p+5f,
    -0x1.2da488p+6f, -0x1.5ff57ap+6f, -0x1.96408cp+6f, 0.0f,
};
static const float GE_C0L[16] = {
    0x1.0c06f4p-29f, 0x1.a060c6p-27f, -0x1.775f7ap-25f, -0x1.0b6358p-23f, 0x1.ca58f4p-23f, 0x1.f3e736p-23f,
    -0x1.e8a17cp-23f, 0x1.854454p-22f, -0x1.e22fb8p-20f, 0x1.ea5758p-20f, -0x1.da7d6ep-25f, 0x1.e82e98p-20f,
    0x1.12ca62p-19f, 0x1.b21f7ep-19f, -0x1.77d3c6p-22f, 0.0f,
};
static const float GE_C1H[16] = {
    -0x1.988454p-1f, -0x1.866f44p+0f, -0x1.2fc586p+1f, -0x1.a43c94p+1f, -0x1.0e7058p+2f, -0x1.4befaep+2f,
    -0x1.8a2494p+2f, -0x1.c8cd8cp+2f, -0x1.03e24p+3f, -0x1.237906p+3f, -0x1.432394p+3f, -0x1.62dce6p+3f,
    -0x1.82a18p+3f, -0x1.a26ee8p+3f, -0x1.c24352p+3f, 0.0f,
};
static const float GE_C1L[16] = {
    0x1.db7244p-27f, 0x1.7e6f88p-26f, -0x1.a8c072p-24f, 0x1.548da2p-25f, -0x1.e8b8b4p-23f, -0x1.5a1a74p-24f,
    -0x1.ca80e4p-25f, -0x1.dc6a48p-26f, 0x1.3db182p-22f, 0x1.1b3d14p-22f, -0x1.aff79cp-23f, 0x1.df2e1p-24f,
    0x1.82fdb8p-23f, -0x1.ad861ep-23f, 0x1.814054p-23f, 0.0f,
};
static const float GE_C2[16] = {
    -0x1.45f2f4p-2f, -0x1.9a0fep-2f, -0x1.c57d36p-2f, -0x1.dbdfaap-2f, -0x1.e81a8p-2f, -0x1.ef426ap-2f,
    -0x1.f3b7e4p-2f, -0x1.f6a66p-2f, -0x1.f8aa68p-2f, -0x1.fa1abcp-2f, -0x1.fb29fap-2f, -0x1.fbf71p-2f,
    -0x1.fc95a8p-2f, -0x1.fd12aep-2f, -0x1.fd76e8p-2f, 0.0f,
};
static const float GE_C3[16] = {
    -0x1.29b058p-5f, -0x1.3f4f7p-6f, -0x1.4428bcp-7f, -0x1.57bce8p-8f, -0x1.861296p-9f, -0x1.d8fafap-10f,
    -0x1.2fcd4cp-10f, -0x1.99b05ep-11f, -0x1.1fa5b8p-11f, -0x1.a1cfeap-12f, -0x1.383208p-12f, -0x1.ddf466p-13f,
    -0x1.7580d8p-13f, -0x1.292302p-13f, -0x1.e02d32p-14f, 0.0f,
};
static const float GE_C4[16] = {
    0x1.3aaa64p-8f, 0x1.b07162p-9f, 0x1.ae9b78p-10f, 0x1.9d810cp-11f, 0x1.9f6ccp-12f, 0x1.bca9aep-13f,
    0x1.fa5a6p-14f, 0x1.31671ep-14f, 0x1.816e26p-15f, 0x1.fe23d2p-16f, 0x1.5ccabep-16f, 0x1.e91bd4p-17f,
    0x1.64bf62p-17f, 0x1.0444e8p-17f, 0x1.825ed8p-18f, 0.0f,
};
static const float GE_C5[16] = {
    -0x1.535946p-16f, -0x1.a50f3p-12f, -0x1.fe1b54p-13f, -0x1.dd938p-14f, -0x1.b7c8fap-15f, -0x1.a80f4ap-16f,
    -0x1.b29586p-17f, -0x1.d7d268p-18f, -0x1.0ea5aep-18f, -0x1.4560bcp-19f, -0x1.97b73cp-20f, -0x1.08cedp-20f,
    -0x1.62f846p-21f, -0x1.e91b7p-22f, -0x1.59454p-22f, 0.0f,
};
static const float GE_C6[16] = {
    -0x1.09c52cp-13f, 0x1.4c28b2p-17f, 0x1.dc1334p-16f, 0x1.f84932p-17f, 0x1.af96a4p-18f, 0x1.7e835cp-19f,
    0x1.a7d934p-20f, 0x1.5f672p-21f, 0x1.5867dp-21f, 0x1.73345cp-24f, -0x1.23d9a2p-27f, 0x1.4d2ec8p-23f,
    -0x1.2eae6p-23f, 0x1.85781cp-23f, 0x1.a5fd82p-22f, 0.0f,
};

/* 2^(j/32) / 2 as hi + lo, like T_HI and T_LO (the even entries are theirs). */
static const float GE_T_HI[32] = {
    0x1p-1f,        0x1.059b0ep-1f, 0x1.0b5586p-1f, 0x1.11301ep-1f, 0x1.172b84p-1f, 0x1.1d4874p-1f,
    0x1.2387a6p-1f, 0x1.29e9ep-1f,  0x1.306fep-1f,  0x1.371a74p-1f, 0x1.3dea64p-1f, 0x1.44e086p-1f,
    0x1.4bfdaep-1f, 0x1.5342b6p-1f, 0x1.5ab07ep-1f, 0x1.6247ecp-1f, 0x1.6a09e6p-1f, 0x1.71f75ep-1f,
    0x1.7a1148p-1f, 0x1.82589ap-1f, 0x1.8ace54p-1f, 0x1.93737cp-1f, 0x1.9c4918p-1f, 0x1.a5503cp-1f,
    0x1.ae89fap-1f, 0x1.b7f77p-1f,  0x1.c199bep-1f, 0x1.cb720ep-1f, 0x1.d5818ep-1f, 0x1.dfc974p-1f,
    0x1.ea4afap-1f, 0x1.f50766p-1f,
};
static const float GE_T_LO[32] = {
    0.0f,             -0x1.9d4f52p-26f, 0x1.9f3122p-26f,  -0x1.fdb496p-26f, -0x1.c15742p-28f, -0x1.d2e8cap-26f,
    0x1.ceac48p-26f,  -0x1.5c0424p-26f, 0x1.4636e2p-26f,  -0x1.18aac6p-26f, 0x1.824684p-26f,  0x1.8624b4p-31f,
    -0x1.593abcp-26f, -0x1.2c561p-26f,  -0x1.5bd5ecp-28f, -0x1.f8b55p-26f,  0x1.9fcef4p-27f,  0x1.1d8beep-26f,
    -0x1.829fdp-26f,  -0x1.accc7cp-27f, 0x1.15506ep-28f,  -0x1.e64744p-26f, 0x1.51f848p-28f,  -0x1.b83b54p-26f,
    -0x1.a94b14p-27f, -0x1.a09438p-26f, -0x1.3d56b2p-28f, -0x1.8837ccp-28f, -0x1.822dbcp-28f, -0x1.908c94p-26f,
    0x1.52486cp-28f,  -0x1.246ebp-27f,
};

#define GE_CLAMP 14.5f

typedef struct {
    __m512 k, th, tl, er;
} gelu_parts;

/* H = Phi(-u) = 2^(k+1) (th + tl + th er) for u in [0, 14.5] (NaN kept): see
 * above. */
INLINE512 gelu_parts gelu_h(__m512 u)
{
    const __m512 shift = _mm512_set1_ps(SIG_SHIFT);
    gelu_parts g;
    __m512i j = _mm512_cvtps_epi32(u);
    __m512 s = _mm512_sub_ps(u, _mm512_cvtepi32_ps(j)); /* exact */
#define GE_COEF(T) _mm512_permutexvar_ps(j, _mm512_loadu_ps(T))
    /* q = C0l + C1l s + s^2 P(s), Estrin's scheme */
    __m512 s2 = _mm512_mul_ps(s, s);
    __m512 p65 = _mm512_fmadd_ps(GE_COEF(GE_C6), s, GE_COEF(GE_C5));
    __m512 p43 = _mm512_fmadd_ps(GE_COEF(GE_C4), s, GE_COEF(GE_C3));
    __m512 p21 = _mm512_fmadd_ps(GE_COEF(GE_C2), s, GE_COEF(GE_C1L));
    __m512 p = _mm512_fmadd_ps(_mm512_fmadd_ps(p65, s2, p43), s2, p21);
    __m512 q = _mm512_fmadd_ps(p, s, GE_COEF(GE_C0L));
    __m512 c0h = GE_COEF(GE_C0H), c1h = GE_COEF(GE_C1H);
#undef GE_COEF
    __m512 vr = _mm512_fmadd_ps(c1h, s, c0h);
    __m512 t = _mm512_fmadd_ps(_mm512_add_ps(vr, q), _mm512_set1_ps(2 * SIG_16_LN2), shift);
    __m512 n = _mm512_sub_ps(t, shift);
    /* ln2/32 = hi/2 + lo/2 (halving is exact) */
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(SIG_LN2_16_HI / 2), c0h); /* exact */
    r = _mm512_add_ps(_mm512_fmadd_ps(c1h, s, r),
                      _mm512_fnmadd_ps(n, _mm512_set1_ps(SIG_LN2_16_LO / 2), q));
    __m512i ni = _mm512_castps_si512(t);
    g.k = _mm512_fmadd_ps(n, _mm512_set1_ps(1.0f / 32), _mm512_set1_ps(1.0f));
    g.th = _mm512_permutex2var_ps(_mm512_loadu_ps(GE_T_HI), ni, _mm512_loadu_ps(GE_T_HI + 16));
    g.tl = _mm512_permutex2var_ps(_mm512_loadu_ps(GE_T_LO), ni, _mm512_loadu_ps(GE_T_LO + 16));
    __m512 c = _mm512_fmadd_ps(r, _mm512_set1_ps(1.0f / 6), _mm512_set1_ps(0.5f));
    g.er = _mm512_fmadd_ps(_mm512_mul_ps(r, r), c, r); /* e^r - 1 */
    return g;
}

/* Any x (the vectors with a lane outside [2^-60, 12] in magnitude, or NaN). */
INLINE512 __m512 gelu16(__m512 x)
{
    __m512 u = _mm512_min_ps(_mm512_set1_ps(GE_CLAMP), _mm512_abs_ps(x)); /* NaN kept */
    __m512 m = _mm512_max_ps(_mm512_set1_ps(-GE_CLAMP), x);               /* NaN kept */
    gelu_parts g = gelu_h(u);
    __m512 k = g.k, th = g.th;
    /* m H = 2^k (xh + xl), m = max(x, -14.5), formed as in gelu16_mid (the
     * same bits where both apply: scaling by 2^k is exact there) */
    __m512 xh = _mm512_mul_ps(m, th);
    __m512 xl = _mm512_fmadd_ps(xh, g.er, _mm512_fmadd_ps(m, g.tl, _mm512_fmsub_ps(m, th, xh)));
    __m512 neg = _mm512_scalef_ps(_mm512_add_ps(xh, xl), k);
    /* x - x H: Fast2Sum (x >= 2 x H) */
    __m512 A = _mm512_scalef_ps(xh, k), B = _mm512_scalef_ps(xl, k);
    __m512 sum = _mm512_sub_ps(x, A);
    __m512 lo = _mm512_sub_ps(_mm512_sub_ps(_mm512_sub_ps(x, sum), A), B);
    __m512 pos = _mm512_add_ps(sum, lo);
    __mmask16 below = _mm512_cmplt_epi32_mask(_mm512_castps_si512(x), _mm512_setzero_si512());
    __m512 y = _mm512_mask_blend_ps(below, pos, neg);
    /* |x| < 2^-60: x/2; x > 14.5 (+inf included): x */
    __m512 ax = _mm512_abs_ps(x);
    y = _mm512_mask_mul_ps(y, _mm512_cmp_ps_mask(ax, _mm512_set1_ps(0x1p-60f), _CMP_LT_OQ), x,
                           _mm512_set1_ps(0.5f));
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(GE_CLAMP), _CMP_GT_OQ), x);
}

/* 2^-60 <= |x| <= 12 in every lane: both signs in one form, y = max(x, 0) - u H
 * (see the top of this section).  u 2^(k+1) is exact: u H lies between 2^-61
 * and 12 H(12) > 2^-122, in the normal range.  xh + xl is exact but where u H
 * is below 2^-102: there xl loses at most 2^-150, a 32nd of the result's ULP. */
INLINE512 __m512 gelu16_mid(__m512 x, __m512 u)
{
    gelu_parts g = gelu_h(u);
    __m512 us = _mm512_scalef_ps(u, g.k);
    __m512 xh = _mm512_mul_ps(us, g.th);
    __m512 xl = _mm512_fmadd_ps(xh, g.er, _mm512_fmadd_ps(us, g.tl, _mm512_fmsub_ps(us, g.th, xh)));
    __m512 c = _mm512_max_ps(x, _mm512_setzero_ps());
    __m512 sum = _mm512_sub_ps(c, xh);
    __m512 lo = _mm512_sub_ps(_mm512_sub_ps(_mm512_sub_ps(c, sum), xh), xl);
    return _mm512_add_ps(sum, lo);
}

/* gelu16_mid where every lane has 2^-60 <= |x| <= 12, gelu16 otherwise. */
INLINE512 __m512 gelu16_any(__m512 x)
{
    return lanes_within(x, 0x41400000) ? gelu16_mid(x, _mm512_abs_ps(x)) : gelu16(x);
}

AVX512 void actfn_gelu512(const float *restrict x, float *restrict y, Py_ssize_t n)
{
    LOOP16(gelu16_any(v));
}

/* ------------------------------------------------------- hard_sigmoid, hard_silu,
 * hard_tanh, leaky_relu, soft_shrink: the double kernels' own arithmetic
 * (k_sigmoidal.c, k_smooth.c, k_rectifiers.c, k_shrinkage.c), 16
 * lanes as two halves of 8 doubles, with vmaxpd / vminpd where GCC compiles
 * vm_max / vm_min into compares and blends (twice the operations): vm_max(a, b)
 * = b > a ? b : a is vmaxpd(b, a), which returns its second operand where
 * either is NaN, as vm_max does.  The same values bit for bit (tested). */
INLINE512 __m512d max_d(__m512d a, __m512d b) { return _mm512_max_pd(b, a); } /* vm_max */
INLINE512 __m512d min_d(__m512d a, __m512d b) { return _mm512_min_pd(b, a); } /* vm_min */

/* kind 0: hard_sigmoid, clip((x + 3) (1/6), 0, 1); 1: hard_silu, max(x, -3)
 * times that; 2: hard_tanh, clip(x, lo, hi) */
INLINE512 __m512d clip_kind(__m512d x, int kind, __m512d lo, __m512d hi)
{
    if (kind == 2)
        return min_d(max_d(x, lo), hi);
    __m512d t = _mm512_mul_pd(_mm512_add_pd(x, _mm512_set1_pd(3.0)), _mm512_set1_pd(1.0 / 6.0));
    t = min_d(max_d(t, _mm512_setzero_pd()), _mm512_set1_pd(1.0));
    return kind == 0 ? t : _mm512_mul_pd(max_d(x, _mm512_set1_pd(-3.0)), t);
}

INLINE512 __m512 clip16(__m512 v, int kind, __m512d lo, __m512d hi)
{
    __m256 a = _mm512_castps512_ps256(v);
    __m256 b = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    if (kind == 0) {
        /* hard_sigmoid: (x + 3) (1/6) in double, rounded, then the clip in float
         * (0 and 1 are floats and rounding is monotonic: the same result, NaN
         * kept by vmaxps/vminps as by vm_max/vm_min), half the clip's operations */
        const __m512d three = _mm512_set1_pd(3.0), sixth = _mm512_set1_pd(1.0 / 6.0);
        __m256 ta = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_add_pd(_mm512_cvtps_pd(a), three), sixth));
        __m256 tb = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_add_pd(_mm512_cvtps_pd(b), three), sixth));
        __m512 t = _mm512_castpd_ps(_mm512_insertf64x4(
            _mm512_castps_pd(_mm512_castps256_ps512(ta)), _mm256_castps_pd(tb), 1));
        return _mm512_min_ps(_mm512_set1_ps(1.0f), _mm512_max_ps(_mm512_setzero_ps(), t));
    }
    __m256 ra = _mm512_cvtpd_ps(clip_kind(_mm512_cvtps_pd(a), kind, lo, hi));
    __m256 rb = _mm512_cvtpd_ps(clip_kind(_mm512_cvtps_pd(b), kind, lo, hi));
    return _mm512_castpd_ps(
        _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(ra)), _mm256_castps_pd(rb), 1));
}

INLINE512 void clip_loop(const float *restrict x, float *restrict y, Py_ssize_t n, int kind,
                         double lo_, double hi_)
{
    const __m512d lo = _mm512_set1_pd(lo_), hi = _mm512_set1_pd(hi_);
    LOOP16(clip16(v, kind, lo, hi));
}

AVX512 void actfn_hard_sigmoid512(const float *restrict x, float *restrict y, Py_ssize_t n)
{
    clip_loop(x, y, n, 0, 0.0, 0.0);
}

AVX512 void actfn_hard_silu512(const float *restrict x, float *restrict y, Py_ssize_t n)
{
    clip_loop(x, y, n, 1, 0.0, 0.0);
}

/* hard_tanh with bounds that are floats (the defaults, -1 and 1, among them):
 * the clip in float, vmaxps / vminps, exact as in double. */
INLINE512 __m512 clipf16(__m512 v, __m512 lo, __m512 hi)
{
    return _mm512_min_ps(hi, _mm512_max_ps(lo, v));
}

AVX512 void actfn_hard_tanh512(const float *restrict x, float *restrict y, Py_ssize_t n,
                               double lo, double hi)
{
    if ((double)(float)lo != lo || (double)(float)hi != hi) {
        clip_loop(x, y, n, 2, lo, hi);
        return;
    }
    const __m512 lof = _mm512_set1_ps((float)lo), hif = _mm512_set1_ps((float)hi);
    LOOP16(clipf16(v, lof, hif));
}

/* leaky_relu with a nonzero slope a: a x in double where the sign bit of x is
 * set, x elsewhere, as the double kernel (k_rectifiers.c), 16 lanes as two
 * halves of 8 doubles (GCC's loop spends twice the operations on selects). */
INLINE512 __m512 leaky16(__m512 v, __m512d a)
{
    __m256 lo = _mm512_castps512_ps256(v);
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    __m256 pa = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtps_pd(lo), a));
    __m256 pb = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtps_pd(hi), a));
    __m512 p = _mm512_castpd_ps(
        _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(pa)), _mm256_castps_pd(pb), 1));
    __mmask16 neg = _mm512_cmplt_epi32_mask(_mm512_castps_si512(v), _mm512_setzero_si512());
    return _mm512_mask_blend_ps(neg, v, p);
}

AVX512 void actfn_leaky_relu512(const float *restrict x, float *restrict y, Py_ssize_t n,
                                double a)
{
    const __m512d av = _mm512_set1_pd(a);
    LOOP16(leaky16(v, av));
}

/* soft_shrink with a threshold t that is a float: 0 where |x| <= t, x - t (x >
 * 0) or x + t (NaN included) elsewhere, in float: the difference of two floats
 * rounded once, as the double kernel's double difference rounded to float (it
 * is exact in double wherever it can round to a float32 midpoint). */
INLINE512 __m512 soft16(__m512 v, __m512 t)
{
    __mmask16 inside = _mm512_cmp_ps_mask(_mm512_abs_ps(v), t, _CMP_LE_OQ);
    __mmask16 pos = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ);
    __m512 r = _mm512_mask_blend_ps(pos, _mm512_add_ps(v, t), _mm512_sub_ps(v, t));
    return _mm512_maskz_mov_ps((__mmask16)~inside, r);
}

AVX512 void actfn_soft_shrink512(const float *restrict x, float *restrict y, Py_ssize_t n,
                                 float t)
{
    const __m512 tv = _mm512_set1_ps(t);
    LOOP16(soft16(v, tv));
}

/* The double formula these kernels stand for (relative error below 2e-13, vmath.h;
 * softplus: exp and log1p of vmath.h, 3e-13; gelu: vm_gelu_erf, below 1e-13 where
 * the float32 result is not 0);
 * silu is -0 below -700, as its generic form. */
ACTFN_CLONES static void reference(int kind, const float *restrict x, const float *restrict m,
                                   double *restrict ref, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        double xi = x[i];
        double s = 1.0 / (1.0 + vm_exp(-xi));
        double r = kind == 0 ? s : (kind == 1 ? xi * s : m[i] * s);
        double sp = vm_max(xi, 0.0) + vm_log1p_unit32(vm_exp(-__builtin_fabs(xi)));
        r = kind == 3 ? sp : r;
        r = kind == 4 ? vm_gelu_erf(xi) : r;
        ref[i] = kind == 1 && xi < -700.0 ? -0.0 : r;
    }
}

/* The error of y against ref in float32 ULPs at ref (2^-149 below the normal
 * range), 0 where either is not finite; counts in *bad those where they are not
 * both NaN and differ. */
ACTFN_CLONES static double block_error(const float *restrict y, const double *restrict ref,
                                       double *restrict err, Py_ssize_t n, int64_t *bad)
{
    double worst = 0.0;
    int64_t b = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        double yi = y[i], ri = ref[i];
        double ulp = vm_from_bits(vm_bits(ri) & 0x7ff0000000000000ULL) * 0x1p-23;
        ulp = vm_max(ulp, 0x1p-149);
        int finite = __builtin_fabs(yi) <= 0x1.fffffep127 && __builtin_fabs(ri) <= 0x1p200;
        double e = finite ? __builtin_fabs(yi - ri) / ulp : 0.0;
        err[i] = e;
        worst = vm_max(worst, e);
        b += !finite && !(yi != yi && ri != ri) && yi != ri;
    }
    *bad += b;
    return worst;
}

/* Compare kind 0 (sigmoid), 1 (silu), 2 (glu, with a multiplier derived from
 * each input's bits), 3 (softplus) or 4 (gelu, exact form) with the double formula for the float32 inputs whose bit
 * patterns lie in [lo, hi).  Finite results: the largest error in ULPs of the
 * reference (and an input where it occurs); the others (NaN, infinities) must
 * match exactly, and `bad` counts those that do not. */
void actfn_check512(int kind, uint64_t lo, uint64_t hi, double *maxerr, float *worst,
                    int64_t *bad)
{
    enum { N = 4096 };
    float x[N], m[N], y[N];
    double ref[N], err[N];
    *maxerr = 0.0;
    *worst = 0.0f;
    *bad = 0;
    for (uint64_t base = lo; base < hi; base += N) {
        Py_ssize_t n = hi - base < N ? (Py_ssize_t)(hi - base) : N;
        for (Py_ssize_t i = 0; i < n; i++) {
            uint32_t bits = (uint32_t)(base + (uint64_t)i);
            memcpy(x + i, &bits, 4);
            /* glu: a multiplier spread over the float32 range (a hash of the bits) */
            uint32_t h = bits * 2654435761u;
            h ^= h >> 15;
            memcpy(m + i, &h, 4);
            m[i] = m[i] != m[i] ? 1.5f : m[i];
        }
        if (kind == 2)
            actfn_glu512(m, x, y, n);
        else if (kind == 1)
            actfn_silu512(x, y, n);
        else if (kind == 3)
            actfn_softplus512(x, y, n);
        else if (kind == 4)
            actfn_gelu512(x, y, n);
        else
            actfn_sigmoid512(x, y, n);
        reference(kind, x, m, ref, n);
        double w = block_error(y, ref, err, n, bad);
        if (w > *maxerr) {
            *maxerr = w;
            for (Py_ssize_t i = 0; i < n; i++)
                if (err[i] == w) {
                    *worst = x[i];
                    break;
                }
        }
    }
}

#endif
