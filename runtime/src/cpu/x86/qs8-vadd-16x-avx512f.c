/* qs8-vadd-16x-avx512f.c — QLinearAdd micro-kernel: 16 elements at a time, two
 * fused multiply-adds in fp32, as the reference (and ONNX Runtime) computes them. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw")))

/* n <= 16 bytes at p widened to int32 (zero-filled past n). */
TARGET static inline __m512i load(const uint8_t *p, size_t n, int is_signed)
{
	__m128i v;
	if (n == 16) {
		v = _mm_loadu_si128((const __m128i *)p);
	} else {
		uint8_t tmp[16] = { 0 };
		memcpy(tmp, p, n);
		v = _mm_loadu_si128((const __m128i *)tmp);
	}
	return is_signed ? _mm512_cvtepi8_epi32(v) : _mm512_cvtepu8_epi32(v);
}

/* See eml_qadd_fn. */
void TARGET eml_qs8_vadd_16x_avx512f(const eml_qadd_args *a)
{
	const __m512 ra = _mm512_set1_ps(a->ra), rb = _mm512_set1_ps(a->rb);
	const __m512 k = _mm512_set1_ps(a->k);
	const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
	for (size_t i = 0; i < a->n; i += 16) {
		size_t n = a->n - i < 16 ? a->n - i : 16;
		__m512 fa = _mm512_cvtepi32_ps(load(a->a + i, n, a->is_signed));
		__m512 fb = _mm512_cvtepi32_ps(load(a->b + i, n, a->is_signed));
		__m512 q = _mm512_fmadd_ps(fa, ra, _mm512_fmadd_ps(fb, rb, k));
		q = _mm512_roundscale_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		q = _mm512_min_ps(_mm512_max_ps(q, lo), hi);
		_mm512_mask_cvtepi32_storeu_epi8(a->c + i, (__mmask16)((1u << n) - 1),
						 _mm512_cvtps_epi32(q));
	}
}

#endif
