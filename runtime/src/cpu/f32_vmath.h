/*
 * f32_vmath.h — vectorised float math over arrays (exp, sigmoid, tanh, erf) for the fast
 * path's Softmax, activations and LSTM / GRU gates: y[i] = f(x[i]) for i < n, in place
 * allowed (y == x). Not libm's results: within the bounds docs/cpu-kernels.md lists
 * ("Float math kernels"), so the operators that use them are float-tolerance kernels,
 * declined under EDGEML_SESSION_EXACT_FLOAT.
 *
 * Every ISA's kernel and the portable C one (f32_vmath.c) run the same IEEE operations in
 * the same order, fused multiply-adds included, so they agree bit for bit: the C one is the
 * fallback of a level without its own and the model the tests compare the others with.
 *
 * exp: x = n ln2 + r with n = round(x log2(e)), ln2 in two parts (Cody-Waite), exp(r) by a
 * degree-6 polynomial on |r| <= ln2 / 2, then times 2^(n/2) and 2^(n - n/2), two steps so
 * that results down to the subnormals are right. sigmoid: e = exp(-|x|), e / (1 + e),
 * mirrored as 1 - that for x > 0. tanh: x + x^3 Q(x^2) below 0.5625, else (1 - e) / (1 + e)
 * with e = exp(-2|x|). erf: x + x P(x^2) below 1, else 1 - exp(L(|x| - 2.5) - x^2) with |x|
 * clamped to 4 (erf(4) rounds to 1). The polynomials were fitted (weighted least squares,
 * near minimax) for these ranges.
 */
#ifndef EML_CPU_F32_VMATH_H
#define EML_CPU_F32_VMATH_H

#include <stddef.h>

typedef void (*eml_f32_vunary_fn)(size_t n, const float *x, float *y);

/* exp's range: below EML_VEXP_LO the result is 0, above EML_VEXP_HI +inf */
#define EML_VEXP_LO (-104.0f)
#define EML_VEXP_HI 89.0f
#define EML_VEXP_LOG2E 1.44269504f
#define EML_VEXP_LN2_HI 0.693145751953125f
#define EML_VEXP_LN2_LO 1.42860677e-06f
#define EML_VEXP_C6 1.384990678e-03f
#define EML_VEXP_C5 8.374858665e-03f
#define EML_VEXP_C4 4.166795972e-02f
#define EML_VEXP_C3 1.666641903e-01f
#define EML_VEXP_C2 4.999999384e-01f
/* c1 and c0 are 1 */

/* tanh below EML_VTANH_SMALL: x + (x t) Q(t), t = x^2 */
#define EML_VTANH_SMALL 0.5625f
#define EML_VTANH_Q4 (-5.834390200e-03f)
#define EML_VTANH_Q3 2.070588095e-02f
#define EML_VTANH_Q2 (-5.374161324e-02f)
#define EML_VTANH_Q1 1.333111849e-01f
#define EML_VTANH_Q0 (-3.333323786e-01f)

/* erf below 1: x + x P(t), t = x^2 (P(0) = 2 / sqrt(pi) - 1) */
#define EML_VERF_P7 (-9.252177882e-06f)
#define EML_VERF_P6 1.110917679e-04f
#define EML_VERF_P5 (-8.460352157e-04f)
#define EML_VERF_P4 5.219199981e-03f
#define EML_VERF_P3 (-2.686467164e-02f)
#define EML_VERF_P2 1.128376629e-01f
#define EML_VERF_P1 (-3.761263694e-01f)
#define EML_VERF_P0 1.283791666e-01f
/* erf from 1: 1 - exp(L(u) - a^2), u = a - 2.5, a = min(|x|, 4); L = log(erfc(a) e^(a^2)) */
#define EML_VERF_MAX 4.0f
#define EML_VERF_MID 2.5f
#define EML_VERF_L8 1.567024802e-06f
#define EML_VERF_L7 (-1.327662322e-05f)
#define EML_VERF_L6 7.758850059e-05f
#define EML_VERF_L5 (-4.202604622e-04f)
#define EML_VERF_L4 2.164914024e-03f
#define EML_VERF_L3 (-1.085840463e-02f)
#define EML_VERF_L2 5.610645834e-02f
#define EML_VERF_L1 (-3.526807039e-01f)
#define EML_VERF_L0 (-1.556815284e+00f)

/* The portable kernels (f32_vmath.c). */
void eml_f32_vexp_c(size_t n, const float *x, float *y);
void eml_f32_vsigmoid_c(size_t n, const float *x, float *y);
void eml_f32_vswish_c(size_t n, const float *x, float *y);
void eml_f32_vtanh_c(size_t n, const float *x, float *y);
void eml_f32_verf_c(size_t n, const float *x, float *y);

/* Each level's kernels are in its table (kernels.h, filled by isa.c). */
#if defined(__x86_64__)
void eml_f32_vexp_avx2(size_t n, const float *x, float *y);
void eml_f32_vsigmoid_avx2(size_t n, const float *x, float *y);
void eml_f32_vswish_avx2(size_t n, const float *x, float *y);
void eml_f32_vtanh_avx2(size_t n, const float *x, float *y);
void eml_f32_verf_avx2(size_t n, const float *x, float *y);
void eml_f32_vexp_avx512f(size_t n, const float *x, float *y);
void eml_f32_vsigmoid_avx512f(size_t n, const float *x, float *y);
void eml_f32_vswish_avx512f(size_t n, const float *x, float *y);
void eml_f32_vtanh_avx512f(size_t n, const float *x, float *y);
void eml_f32_verf_avx512f(size_t n, const float *x, float *y);
#elif defined(__aarch64__)
void eml_f32_vexp_neon(size_t n, const float *x, float *y);
void eml_f32_vsigmoid_neon(size_t n, const float *x, float *y);
void eml_f32_vswish_neon(size_t n, const float *x, float *y);
void eml_f32_vtanh_neon(size_t n, const float *x, float *y);
void eml_f32_verf_neon(size_t n, const float *x, float *y);
#endif

#endif /* EML_CPU_F32_VMATH_H */
