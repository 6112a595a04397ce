/* f32-vbinary-32x-minmax-avx512f.c — float Add/Sub/Mul/Div micro-kernels, both operands
 * vectors or one a scalar: 32 outputs (two vectors) per step, the tail under a mask. Each
 * lane is the one IEEE operation the reference does, then its clamp. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define AVX512 __attribute__((target("avx512f")))

/* a op b for the op of the instantiation (a constant, so each one folds to a single
 * instruction). */
static inline AVX512 __attribute__((always_inline)) __m512 apply(int op, __m512 a, __m512 b)
{
	switch (op) {
	case EML_F32_ADD:
		return _mm512_add_ps(a, b);
	case EML_F32_SUB:
		return _mm512_sub_ps(a, b);
	case EML_F32_MUL:
		return _mm512_mul_ps(a, b);
	default:
		return _mm512_div_ps(a, b);
	}
}

/* eml_clampf: lo first, since max/min return their second operand for a NaN. */
static inline AVX512 __attribute__((always_inline)) __m512 clamp(__m512 v, __m512 lo, __m512 hi)
{
	return _mm512_min_ps(hi, _mm512_max_ps(lo, v));
}

/* The body every instantiation shares; op and form are constants. */
static inline AVX512 __attribute__((always_inline)) void
vbinary(size_t n, const float *a, const float *b, float *y, float lo, float hi, int op,
	int form)
{
	const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
	const __m512 ca = _mm512_set1_ps(form == EML_F32_CV ? a[0] : 0.0f);
	const __m512 cb = _mm512_set1_ps(form == EML_F32_VC ? b[0] : 0.0f);
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m512 a0 = form == EML_F32_CV ? ca : _mm512_loadu_ps(a + i);
		__m512 a1 = form == EML_F32_CV ? ca : _mm512_loadu_ps(a + i + 16);
		__m512 b0 = form == EML_F32_VC ? cb : _mm512_loadu_ps(b + i);
		__m512 b1 = form == EML_F32_VC ? cb : _mm512_loadu_ps(b + i + 16);
		_mm512_storeu_ps(y + i, clamp(apply(op, a0, b0), vlo, vhi));
		_mm512_storeu_ps(y + i + 16, clamp(apply(op, a1, b1), vlo, vhi));
	}
	for (; i < n; i += 16) {
		__mmask16 m = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
		__m512 va = form == EML_F32_CV ? ca : _mm512_maskz_loadu_ps(m, a + i);
		__m512 vb = form == EML_F32_VC ? cb : _mm512_maskz_loadu_ps(m, b + i);
		_mm512_mask_storeu_ps(y + i, m, clamp(apply(op, va, vb), vlo, vhi));
	}
}

#define VBINARY(name, op, form)                                                            \
	static AVX512 void name(size_t n, const float *a, const float *b, float *y, float lo, \
				float hi)                                                  \
	{                                                                                  \
		vbinary(n, a, b, y, lo, hi, op, form);                                     \
	}
#define VBINARY_OP(prefix, op)                                                             \
	VBINARY(prefix##_vv, op, EML_F32_VV)                                               \
	VBINARY(prefix##_vc, op, EML_F32_VC)                                               \
	VBINARY(prefix##_cv, op, EML_F32_CV)
VBINARY_OP(add, EML_F32_ADD)
VBINARY_OP(sub, EML_F32_SUB)
VBINARY_OP(mul, EML_F32_MUL)
VBINARY_OP(div, EML_F32_DIV)

const eml_f32_vbinary_fn eml_f32_vbinary_32x_minmax_avx512f[EML_F32_OPS][EML_F32_FORMS] = {
	{ add_vv, add_vc, add_cv },
	{ sub_vv, sub_vc, sub_cv },
	{ mul_vv, mul_vc, mul_cv },
	{ div_vv, div_vc, div_cv },
};

#endif
