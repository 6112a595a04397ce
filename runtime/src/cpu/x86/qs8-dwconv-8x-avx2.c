/* qs8-dwconv-8x-avx2.c — depthwise convolution micro-kernel: 8 output columns at a time of
 * one channel, any kernel size, strides 1 and 2, int32 products, fp32 requantization. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* 8 input bytes for output columns ox.. at stride 1 or 2, widened to int32. */
TARGET static inline __m256i load8(const uint8_t *p, uint32_t sw)
{
	if (sw == 1)
		return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
	__m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
	return _mm256_and_si256(v, _mm256_set1_epi32(0xff));
}

/* See eml_qdw_fn: rows of the output, 8 columns per step, a partial store for the rest. */
void TARGET eml_qs8_dwconv_8x_avx2(const eml_qdw_args *a)
{
	const __m256 mult = _mm256_set1_ps(a->mult), zp = _mm256_set1_ps(a->zp);
	const __m256 lo = _mm256_set1_ps(a->lo), hi = _mm256_set1_ps(a->hi);
	const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, -1, -1);
	for (uint32_t oy = 0; oy < a->oh; oy++) {
		const uint8_t *row = a->x + (size_t)oy * a->sh * a->x_stride;
		uint8_t *y = a->y + (size_t)oy * a->ow;
		for (uint32_t ox = 0; ox < a->ow; ox += 8) {
			uint32_t n = a->ow - ox < 8 ? a->ow - ox : 8;
			__m256i acc = _mm256_set1_epi32(a->bias);
			const int32_t *t = a->taps;
			for (uint32_t ky = 0; ky < a->kh; ky++) {
				const uint8_t *p = row + ky * a->x_stride + (size_t)ox * a->sw;
				for (uint32_t kx = 0; kx < a->kw; kx++, t++)
					acc = _mm256_add_epi32(
						acc, _mm256_mullo_epi32(load8(p + kx, a->sw),
									_mm256_set1_epi32(*t)));
			}
			__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), mult);
			f = _mm256_round_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
			f = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(f, zp), lo), hi);
			__m256i b = _mm256_shuffle_epi8(_mm256_cvtps_epi32(f), pick);
			b = _mm256_permutevar8x32_epi32(b,
							_mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
			uint64_t bytes = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(b));
			memcpy(y + ox, &bytes, n);
		}
	}
}

#endif
