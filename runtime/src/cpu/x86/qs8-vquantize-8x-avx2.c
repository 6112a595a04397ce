/* qs8-vquantize-8x-avx2.c — QuantizeLinear micro-kernel: 8 floats at a time, divide, round
 * half to even, add the zero point, clamp, as the reference does in fp32. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

/* See eml_qquant_fn. */
void __attribute__((target("avx2"))) eml_qs8_vquantize_8x_avx2(const eml_qquant_args *a)
{
	const __m256 scale = _mm256_set1_ps(a->scale), zp = _mm256_set1_ps(a->zp);
	const __m256 lo = _mm256_set1_ps(a->lo), hi = _mm256_set1_ps(a->hi);
	const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, -1, -1);
	for (size_t i = 0; i < a->n; i += 8) {
		size_t n = a->n - i < 8 ? a->n - i : 8;
		float tmp[8] = { 0 };
		const float *src = a->x + i;
		if (n < 8) {
			memcpy(tmp, src, n * sizeof(float));
			src = tmp;
		}
		__m256 q = _mm256_div_ps(_mm256_loadu_ps(src), scale);
		q = _mm256_round_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		/* max/min return their second operand for a NaN: NaN goes to lo */
		q = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(q, zp), lo), hi);
		__m256i b = _mm256_shuffle_epi8(_mm256_cvtps_epi32(q), pick);
		b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
		if (n == 8) {
			_mm_storel_epi64((__m128i *)(a->y + i), _mm256_castsi256_si128(b));
			continue;
		}
		uint64_t bytes = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(b));
		memcpy(a->y + i, &bytes, n);
	}
}

#endif
