/* u8-maxpool-64x-avx512bw.c — max pooling micro-kernel: 64 consecutive outputs per step,
 * the running maximum of every tap's 64 inputs (vpmaxub). */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw")))

/* See eml_maxpool_fn. */
void TARGET eml_u8_maxpool_64x_avx512bw(const eml_maxpool_args *a)
{
	const __m512i flip = _mm512_set1_epi8((char)a->flip);
	for (size_t i = 0; i < a->n; i += 64) {
		__m512i m = _mm512_loadu_si512(a->x[0] + i);
		for (uint32_t t = 1; t < a->taps; t++)
			m = _mm512_max_epu8(m, _mm512_loadu_si512(a->x[t] + i));
		size_t left = a->n - i;
		__mmask64 k = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
		_mm512_mask_storeu_epi8(a->y + i, k, _mm512_xor_si512(m, flip));
	}
}

#endif
