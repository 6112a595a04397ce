/* qs8-vdequantize-16x-avx512f.c — DequantizeLinear micro-kernel: 16 bytes at a time, widen,
 * subtract the zero point, convert (exact), multiply by the scale: the reference's fp32 steps,
 * bit for bit. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

/* See eml_qdequant_fn. */
void __attribute__((target("avx512f")))
eml_qs8_vdequantize_16x_avx512f(const eml_qdequant_args *a)
{
	const __m512i zp = _mm512_set1_epi32(a->zp);
	const __m512 scale = _mm512_set1_ps(a->scale);
	for (size_t i = 0; i < a->n; i += 16) {
		size_t n = a->n - i < 16 ? a->n - i : 16;
		__m128i b;
		if (n == 16) {
			b = _mm_loadu_si128((const __m128i *)(a->x + i));
		} else {
			uint8_t t[16] = { 0 };
			memcpy(t, a->x + i, n);
			b = _mm_loadu_si128((const __m128i *)t);
		}
		__m512i v = a->is_signed ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
		__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, zp)), scale);
		_mm512_mask_storeu_ps(a->y + i, (__mmask16)((1u << n) - 1), f);
	}
}

#endif
