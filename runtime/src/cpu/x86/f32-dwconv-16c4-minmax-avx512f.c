/* f32-dwconv-16c4-minmax-avx512f.c — float depthwise micro-kernel with channels in lanes:
 * 16 channels (one vector) of 4 outputs (four independent chains of fused
 * multiply-adds) per step, for planes too small to fill vectors along a row. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define AVX512 __attribute__((target("avx512f")))

/* The reference's epilogue, clamp(bias + acc); lo first: max/min return their second
 * operand for a NaN, as eml_clampf keeps it. */
static inline AVX512 __m512 finish(__m512 acc, __m512 bias, __m512 lo, __m512 hi)
{
	return _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_add_ps(bias, acc)));
}

/* See eml_f32_dwc_fn. */
void AVX512 eml_f32_dwconv_16c4_minmax_avx512f(const eml_f32_dwc_args *a)
{
	const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
	const size_t ch = a->ch;
	for (size_t c = 0; c < ch; c += 16) {
		const __m512 bias = _mm512_loadu_ps(a->bias + c);
		const float *x = a->x + c, *w = a->w + c;
		float *y = a->y + c;
		size_t g = 0;
		for (; g + 4 <= a->n; g += 4) {
			const float *q0 = x + a->pos[g] * ch, *q1 = x + a->pos[g + 1] * ch;
			const float *q2 = x + a->pos[g + 2] * ch, *q3 = x + a->pos[g + 3] * ch;
			__m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
			for (uint32_t t = 0; t < a->taps; t++) {
				size_t o = a->off[t] * ch;
				__m512 wt = _mm512_loadu_ps(w + t * ch);
				s0 = _mm512_fmadd_ps(_mm512_loadu_ps(q0 + o), wt, s0);
				s1 = _mm512_fmadd_ps(_mm512_loadu_ps(q1 + o), wt, s1);
				s2 = _mm512_fmadd_ps(_mm512_loadu_ps(q2 + o), wt, s2);
				s3 = _mm512_fmadd_ps(_mm512_loadu_ps(q3 + o), wt, s3);
			}
			_mm512_storeu_ps(y + g * ch, finish(s0, bias, lo, hi));
			_mm512_storeu_ps(y + (g + 1) * ch, finish(s1, bias, lo, hi));
			_mm512_storeu_ps(y + (g + 2) * ch, finish(s2, bias, lo, hi));
			_mm512_storeu_ps(y + (g + 3) * ch, finish(s3, bias, lo, hi));
		}
		for (; g < a->n; g++) {
			const float *q = x + a->pos[g] * ch;
			__m512 s = _mm512_setzero_ps();
			for (uint32_t t = 0; t < a->taps; t++)
				s = _mm512_fmadd_ps(_mm512_loadu_ps(q + a->off[t] * ch),
						    _mm512_loadu_ps(w + t * ch), s);
			_mm512_storeu_ps(y + g * ch, finish(s, bias, lo, hi));
		}
	}
}

#endif
