/* f32-split2-16x-avx2.c — the even and odd floats of a row apart (the stride-2 phase
 * planes' column split, fast_fplane.c): 16 input floats a step, two loads, two in-lane
 * shuffles and a 64-bit permute each; the last few floats one by one, so that nothing past
 * 2 n is read. A copy: bit-exact. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* See eml_f32_split2_fn. */
void __attribute__((target("avx2")))
eml_f32_split2_16x_avx2(const float *src, size_t n, float *even, float *odd)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 a = _mm256_loadu_ps(src + 2 * i), b = _mm256_loadu_ps(src + 2 * i + 8);
		/* per 128-bit lane: a0 a2 b0 b2 | a4 a6 b4 b6, then the 64-bit pieces in order */
		__m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
		__m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
		_mm256_storeu_ps(even + i, _mm256_castpd_ps(_mm256_permute4x64_pd(
						   _mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0))));
		_mm256_storeu_ps(odd + i, _mm256_castpd_ps(_mm256_permute4x64_pd(
						  _mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0))));
	}
	for (; i < n; i++) {
		even[i] = src[2 * i];
		odd[i] = src[2 * i + 1];
	}
}

#endif
