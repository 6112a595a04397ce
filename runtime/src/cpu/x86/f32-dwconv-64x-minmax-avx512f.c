/* f32-dwconv-64x-minmax-avx512f.c — float depthwise micro-kernel: 64 outputs of one channel
 * (four vectors, four independent chains of fused multiply-adds) per step. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* The reference's epilogue, clamp(bias + acc), stored to the lanes of mask. */
static inline __attribute__((target("avx512f"))) void finish(__m512 acc, const eml_f32_dw_args *a,
							     float *y, __mmask16 mask)
{
	__m512 v = _mm512_add_ps(_mm512_set1_ps(a->bias), acc);
	/* lo first: max/min return their second operand for a NaN, as eml_clampf keeps it */
	v = _mm512_max_ps(_mm512_set1_ps(a->lo), v);
	v = _mm512_min_ps(_mm512_set1_ps(a->hi), v);
	_mm512_mask_storeu_ps(y, mask, v);
}

/* See eml_f32_dw_fn. */
void __attribute__((target("avx512f"))) eml_f32_dwconv_64x_minmax_avx512f(const eml_f32_dw_args *a)
{
	size_t i = 0;
	for (; i + 64 <= a->n; i += 64) {
		__m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
		for (uint32_t t = 0; t < a->taps; t++) {
			const float *x = a->x[t] + i;
			__m512 w = _mm512_set1_ps(a->w[t]);
			s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x), w, s0);
			s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + 16), w, s1);
			s2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + 32), w, s2);
			s3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + 48), w, s3);
		}
		finish(s0, a, a->y + i, 0xffff);
		finish(s1, a, a->y + i + 16, 0xffff);
		finish(s2, a, a->y + i + 32, 0xffff);
		finish(s3, a, a->y + i + 48, 0xffff);
	}
	for (; i < a->n; i += 16) {
		size_t n = a->n - i < 16 ? a->n - i : 16;
		__m512 s = _mm512_setzero_ps();
		for (uint32_t t = 0; t < a->taps; t++)
			s = _mm512_fmadd_ps(_mm512_loadu_ps(a->x[t] + i), _mm512_set1_ps(a->w[t]), s);
		finish(s, a, a->y + i, (__mmask16)((1u << n) - 1));
	}
}

#endif
