/* f32-maxpool-64x-avx512f.c — float max pooling micro-kernel: 64 outputs (four vectors) per
 * step, the taps folded in order. */
#if defined(__x86_64__)
#include <float.h>
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* See eml_f32_maxpool_fn. _mm512_max_ps(v, m) is v > m ? v : m, the reference's step. */
void __attribute__((target("avx512f")))
eml_f32_maxpool_64x_avx512f(const float *const *x, size_t n, uint32_t taps, float *y)
{
	const __m512 init = _mm512_set1_ps(-FLT_MAX);
	size_t i = 0;
	for (; i + 64 <= n; i += 64) {
		__m512 m0 = init, m1 = init, m2 = init, m3 = init;
		for (uint32_t t = 0; t < taps; t++) {
			const float *p = x[t] + i;
			m0 = _mm512_max_ps(_mm512_loadu_ps(p), m0);
			m1 = _mm512_max_ps(_mm512_loadu_ps(p + 16), m1);
			m2 = _mm512_max_ps(_mm512_loadu_ps(p + 32), m2);
			m3 = _mm512_max_ps(_mm512_loadu_ps(p + 48), m3);
		}
		_mm512_storeu_ps(y + i, m0);
		_mm512_storeu_ps(y + i + 16, m1);
		_mm512_storeu_ps(y + i + 32, m2);
		_mm512_storeu_ps(y + i + 48, m3);
	}
	for (; i < n; i += 16) {
		__mmask16 mask = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
		__m512 m = init;
		for (uint32_t t = 0; t < taps; t++)
			m = _mm512_max_ps(_mm512_loadu_ps(x[t] + i), m);
		_mm512_mask_storeu_ps(y + i, mask, m);
	}
}

#endif
