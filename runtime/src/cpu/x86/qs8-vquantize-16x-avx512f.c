/* qs8-vquantize-16x-avx512f.c — QuantizeLinear micro-kernel: 16 floats at a time, divide,
 * round half to even, add the zero point, clamp, as the reference does in fp32. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

/* See eml_qquant_fn. */
void __attribute__((target("avx512f"))) eml_qs8_vquantize_16x_avx512f(const eml_qquant_args *a)
{
	const __m512 scale = _mm512_set1_ps(a->scale), zp = _mm512_set1_ps(a->zp);
	const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
	for (size_t i = 0; i < a->n; i += 16) {
		size_t n = a->n - i < 16 ? a->n - i : 16;
		__mmask16 mask = (__mmask16)((1u << n) - 1);
		__m512 q = _mm512_div_ps(_mm512_maskz_loadu_ps(mask, a->x + i), scale);
		q = _mm512_roundscale_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		/* max/min return their second operand for a NaN: NaN goes to lo */
		q = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(q, zp), lo), hi);
		_mm512_mask_cvtepi32_storeu_epi8(a->y + i, mask, _mm512_cvtps_epi32(q));
	}
}

#endif
