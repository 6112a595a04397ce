/* f32-vhswish-8x-avx2.c — HardSigmoid clamp(alpha x + beta, 0, 1) and HardSwish x * clamp(x /
 * 6 + 1/2, 0, 1), 8 floats a vector: the reference's operations in its order (no fused
 * multiply-add), fminf(1, t) as min(t, 1) (a NaN t gives 1, as fminf does), so the results
 * are bit-identical where the operator takes them (see eml_f32_vhsig_fn). */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

static inline __attribute__((target("avx2"))) __m256 hsig(__m256 x, __m256 alpha, __m256 beta)
{
	__m256 t = _mm256_add_ps(_mm256_mul_ps(alpha, x), beta);
	/* min and max return their second operand when either is NaN */
	t = _mm256_min_ps(t, _mm256_set1_ps(1.0f));
	return _mm256_max_ps(t, _mm256_setzero_ps());
}

void __attribute__((target("avx2"))) eml_f32_vhswish_8x_avx2(size_t n, const float *x, float *y,
							       float alpha, float beta, int swish)
{
	__m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(x + i), h = hsig(v, va, vb);
		_mm256_storeu_ps(y + i, swish ? _mm256_mul_ps(v, h) : h);
	}
	if (i < n) {
		__m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)(n - i)),
						  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
		__m256 v = _mm256_maskload_ps(x + i, mask), h = hsig(v, va, vb);
		_mm256_maskstore_ps(y + i, mask, swish ? _mm256_mul_ps(v, h) : h);
	}
}

#endif
