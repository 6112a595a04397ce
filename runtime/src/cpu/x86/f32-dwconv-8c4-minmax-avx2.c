/* f32-dwconv-8c4-minmax-avx2.c — float depthwise micro-kernel with channels in lanes: 8
 * channels (one vector) of 4 outputs (four independent chains of fused
 * multiply-adds) per step, for planes too small to fill vectors along a row. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define AVX2 __attribute__((target("avx2,fma")))

/* The reference's epilogue, clamp(bias + acc); lo first: max/min return their second
 * operand for a NaN, as eml_clampf keeps it. */
static inline AVX2 __m256 finish(__m256 acc, __m256 bias, __m256 lo, __m256 hi)
{
	return _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_add_ps(bias, acc)));
}

/* See eml_f32_dwc_fn. */
void AVX2 eml_f32_dwconv_8c4_minmax_avx2(const eml_f32_dwc_args *a)
{
	const __m256 lo = _mm256_set1_ps(a->lo), hi = _mm256_set1_ps(a->hi);
	const size_t ch = a->ch;
	for (size_t c = 0; c < ch; c += 8) {
		const __m256 bias = _mm256_loadu_ps(a->bias + c);
		const float *x = a->x + c, *w = a->w + c;
		float *y = a->y + c;
		size_t g = 0;
		for (; g + 4 <= a->n; g += 4) {
			const float *q0 = x + a->pos[g] * ch, *q1 = x + a->pos[g + 1] * ch;
			const float *q2 = x + a->pos[g + 2] * ch, *q3 = x + a->pos[g + 3] * ch;
			__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
			for (uint32_t t = 0; t < a->taps; t++) {
				size_t o = a->off[t] * ch;
				__m256 wt = _mm256_loadu_ps(w + t * ch);
				s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q0 + o), wt, s0);
				s1 = _mm256_fmadd_ps(_mm256_loadu_ps(q1 + o), wt, s1);
				s2 = _mm256_fmadd_ps(_mm256_loadu_ps(q2 + o), wt, s2);
				s3 = _mm256_fmadd_ps(_mm256_loadu_ps(q3 + o), wt, s3);
			}
			_mm256_storeu_ps(y + g * ch, finish(s0, bias, lo, hi));
			_mm256_storeu_ps(y + (g + 1) * ch, finish(s1, bias, lo, hi));
			_mm256_storeu_ps(y + (g + 2) * ch, finish(s2, bias, lo, hi));
			_mm256_storeu_ps(y + (g + 3) * ch, finish(s3, bias, lo, hi));
		}
		for (; g < a->n; g++) {
			const float *q = x + a->pos[g] * ch;
			__m256 s = _mm256_setzero_ps();
			for (uint32_t t = 0; t < a->taps; t++)
				s = _mm256_fmadd_ps(_mm256_loadu_ps(q + a->off[t] * ch),
						    _mm256_loadu_ps(w + t * ch), s);
			_mm256_storeu_ps(y + g * ch, finish(s, bias, lo, hi));
		}
	}
}

#endif
