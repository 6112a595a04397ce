/* f32-maxpool-32x-avx2.c — float max pooling micro-kernel: 32 outputs (four vectors) per
 * step, the taps folded in order. */
#if defined(__x86_64__)
#include <float.h>
#include <immintrin.h>
#include <string.h>

#include "cpu/f32_ukernels.h"

/* See eml_f32_maxpool_fn. _mm256_max_ps(v, m) is v > m ? v : m, the reference's step. */
void __attribute__((target("avx2")))
eml_f32_maxpool_32x_avx2(const float *const *x, size_t n, uint32_t taps, float *y)
{
	const __m256 init = _mm256_set1_ps(-FLT_MAX);
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m256 m0 = init, m1 = init, m2 = init, m3 = init;
		for (uint32_t t = 0; t < taps; t++) {
			const float *p = x[t] + i;
			m0 = _mm256_max_ps(_mm256_loadu_ps(p), m0);
			m1 = _mm256_max_ps(_mm256_loadu_ps(p + 8), m1);
			m2 = _mm256_max_ps(_mm256_loadu_ps(p + 16), m2);
			m3 = _mm256_max_ps(_mm256_loadu_ps(p + 24), m3);
		}
		_mm256_storeu_ps(y + i, m0);
		_mm256_storeu_ps(y + i + 8, m1);
		_mm256_storeu_ps(y + i + 16, m2);
		_mm256_storeu_ps(y + i + 24, m3);
	}
	for (; i < n; i += 8) {
		__m256 m = init;
		float tmp[8];
		for (uint32_t t = 0; t < taps; t++)
			m = _mm256_max_ps(_mm256_loadu_ps(x[t] + i), m);
		_mm256_storeu_ps(tmp, m);
		memcpy(y + i, tmp, (n - i < 8 ? n - i : 8) * sizeof(float));
	}
}

#endif
