/* u8-maxpool-32x-avx2.c — max pooling micro-kernel: 32 consecutive outputs per step, the
 * running maximum of every tap's 32 inputs (vpmaxub). */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* See eml_maxpool_fn. */
void TARGET eml_u8_maxpool_32x_avx2(const eml_maxpool_args *a)
{
	const __m256i flip = _mm256_set1_epi8((char)a->flip);
	for (size_t i = 0; i < a->n; i += 32) {
		__m256i m = _mm256_loadu_si256((const __m256i *)(a->x[0] + i));
		for (uint32_t t = 1; t < a->taps; t++)
			m = _mm256_max_epu8(m, _mm256_loadu_si256((const __m256i *)(a->x[t] + i)));
		m = _mm256_xor_si256(m, flip);
		size_t left = a->n - i;
		if (left >= 32) {
			_mm256_storeu_si256((__m256i *)(a->y + i), m);
		} else {
			uint8_t tmp[32];
			_mm256_storeu_si256((__m256i *)tmp, m);
			memcpy(a->y + i, tmp, left);
		}
	}
}

#endif
