/* qs8-dwconv-16x-avx512f.c — depthwise convolution micro-kernel: 16 output columns at a time
 * of one channel, any kernel size, strides 1 and 2, int32 products, fp32 requantization. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw")))

/* 16 input bytes for output columns ox.. at stride 1 or 2, widened to int32. */
TARGET static inline __m512i load16(const uint8_t *p, uint32_t sw)
{
	if (sw == 1)
		return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p));
	/* even bytes: the low byte of each 16-bit pair */
	__m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p));
	return _mm512_and_si512(v, _mm512_set1_epi32(0xff));
}

/* See eml_qdw_fn: rows of the output, 16 columns per step, a masked store for the rest. */
void TARGET eml_qs8_dwconv_16x_avx512f(const eml_qdw_args *a)
{
	const __m512 mult = _mm512_set1_ps(a->mult), zp = _mm512_set1_ps(a->zp);
	const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
	for (uint32_t oy = 0; oy < a->oh; oy++) {
		const uint8_t *row = a->x + (size_t)oy * a->sh * a->x_stride;
		uint8_t *y = a->y + (size_t)oy * a->ow;
		for (uint32_t ox = 0; ox < a->ow; ox += 16) {
			uint32_t n = a->ow - ox < 16 ? a->ow - ox : 16;
			__m512i acc = _mm512_set1_epi32(a->bias);
			const int32_t *t = a->taps;
			for (uint32_t ky = 0; ky < a->kh; ky++) {
				const uint8_t *p = row + ky * a->x_stride + (size_t)ox * a->sw;
				for (uint32_t kx = 0; kx < a->kw; kx++, t++)
					acc = _mm512_add_epi32(
						acc, _mm512_mullo_epi32(load16(p + kx, a->sw),
									_mm512_set1_epi32(*t)));
			}
			__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), mult);
			f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
			f = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(f, zp), lo), hi);
			_mm512_mask_cvtepi32_storeu_epi8(y + ox, (__mmask16)((1u << n) - 1),
							 _mm512_cvtps_epi32(f));
		}
	}
}

#endif
