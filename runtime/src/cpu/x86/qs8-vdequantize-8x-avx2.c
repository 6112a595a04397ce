/* qs8-vdequantize-8x-avx2.c — DequantizeLinear micro-kernel: 8 bytes at a time, widen,
 * subtract the zero point, convert (exact), multiply by the scale: the reference's fp32 steps,
 * bit for bit; the tail in C with the same steps. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* See eml_qdequant_fn. */
void TARGET eml_qs8_vdequantize_8x_avx2(const eml_qdequant_args *a)
{
	const __m256i zp = _mm256_set1_epi32(a->zp);
	const __m256 scale = _mm256_set1_ps(a->scale);
	size_t i = 0;
	for (; i + 8 <= a->n; i += 8) {
		__m128i b = _mm_loadl_epi64((const __m128i *)(a->x + i));
		__m256i v = a->is_signed ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
		_mm256_storeu_ps(a->y + i,
				 _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, zp)), scale));
	}
	for (; i < a->n; i++) {
		int32_t q = a->is_signed ? (int32_t)(int8_t)a->x[i] : (int32_t)a->x[i];
		a->y[i] = (float)(q - a->zp) * a->scale;
	}
}

#endif
