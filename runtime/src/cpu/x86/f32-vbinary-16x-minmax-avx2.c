/* f32-vbinary-16x-minmax-avx2.c — float Add/Sub/Mul/Div micro-kernels, both operands
 * vectors or one a scalar: 16 outputs (two vectors) per step, the tail in scalar code. Each
 * lane is the one IEEE operation the reference does, then its clamp. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define AVX2 __attribute__((target("avx2")))

/* a op b for the op of the instantiation (a constant). */
static inline AVX2 __attribute__((always_inline)) __m256 apply(int op, __m256 a, __m256 b)
{
	switch (op) {
	case EML_F32_ADD:
		return _mm256_add_ps(a, b);
	case EML_F32_SUB:
		return _mm256_sub_ps(a, b);
	case EML_F32_MUL:
		return _mm256_mul_ps(a, b);
	default:
		return _mm256_div_ps(a, b);
	}
}

/* eml_clampf: lo first, since max/min return their second operand for a NaN. */
static inline AVX2 __attribute__((always_inline)) __m256 clamp(__m256 v, __m256 lo, __m256 hi)
{
	return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
}

/* The body every instantiation shares; op and form are constants. */
static inline AVX2 __attribute__((always_inline)) void
vbinary(size_t n, const float *a, const float *b, float *y, float lo, float hi, int op,
	int form)
{
	const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
	const float sa = form == EML_F32_CV ? a[0] : 0.0f, sb = form == EML_F32_VC ? b[0] : 0.0f;
	const __m256 ca = _mm256_set1_ps(sa), cb = _mm256_set1_ps(sb);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256 a0 = form == EML_F32_CV ? ca : _mm256_loadu_ps(a + i);
		__m256 a1 = form == EML_F32_CV ? ca : _mm256_loadu_ps(a + i + 8);
		__m256 b0 = form == EML_F32_VC ? cb : _mm256_loadu_ps(b + i);
		__m256 b1 = form == EML_F32_VC ? cb : _mm256_loadu_ps(b + i + 8);
		_mm256_storeu_ps(y + i, clamp(apply(op, a0, b0), vlo, vhi));
		_mm256_storeu_ps(y + i + 8, clamp(apply(op, a1, b1), vlo, vhi));
	}
	for (; i < n; i++) {
		y[i] = eml_f32_binary1(op, form == EML_F32_CV ? sa : a[i],
				       form == EML_F32_VC ? sb : b[i], lo, hi);
	}
}

#define VBINARY(name, op, form)                                                            \
	static AVX2 void name(size_t n, const float *a, const float *b, float *y, float lo,   \
			      float hi)                                                    \
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

const eml_f32_vbinary_fn eml_f32_vbinary_16x_minmax_avx2[EML_F32_OPS][EML_F32_FORMS] = {
	{ add_vv, add_vc, add_cv },
	{ sub_vv, sub_vc, sub_cv },
	{ mul_vv, mul_vc, mul_cv },
	{ div_vv, div_vc, div_cv },
};

#endif
