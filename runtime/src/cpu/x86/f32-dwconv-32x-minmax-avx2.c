/* f32-dwconv-32x-minmax-avx2.c — float depthwise micro-kernel: 64 outputs of one channel
 * (eight vectors, eight independent chains of fused multiply-adds) per step, then 32, then
 * 8. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* The reference's epilogue, clamp(bias + acc), stored to the first n (<= 8) lanes. */
static inline __attribute__((target("avx2"))) void finish(__m256 acc, const eml_f32_dw_args *a,
							  float *y, size_t n)
{
	__m256 v = _mm256_add_ps(_mm256_set1_ps(a->bias), acc);
	/* lo first: max/min return their second operand for a NaN, as eml_clampf keeps it */
	v = _mm256_max_ps(_mm256_set1_ps(a->lo), v);
	v = _mm256_min_ps(_mm256_set1_ps(a->hi), v);
	if (n == 8) {
		_mm256_storeu_ps(y, v);
		return;
	}
	__m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)n),
					  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
	_mm256_maskstore_ps(y, mask, v);
}

/* See eml_f32_dw_fn. */
void __attribute__((target("avx2,fma"))) eml_f32_dwconv_32x_minmax_avx2(const eml_f32_dw_args *a)
{
	size_t i = 0;
	/* 64 outputs a step: eight chains of fused multiply-adds hide the FMA latency (4
	 * cycles) on both FMA ports, which four chains cannot */
	for (; i + 64 <= a->n; i += 64) {
		__m256 s[8];
#pragma GCC unroll 8
		for (int v = 0; v < 8; v++)
			s[v] = _mm256_setzero_ps();
		for (uint32_t t = 0; t < a->taps; t++) {
			const float *x = a->x[t] + i;
			__m256 w = _mm256_broadcast_ss(a->w + t);
#pragma GCC unroll 8
			for (int v = 0; v < 8; v++)
				s[v] = _mm256_fmadd_ps(_mm256_loadu_ps(x + 8 * v), w, s[v]);
		}
#pragma GCC unroll 8
		for (int v = 0; v < 8; v++)
			finish(s[v], a, a->y + i + 8 * v, 8);
	}
	for (; i + 32 <= a->n; i += 32) {
		__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
		for (uint32_t t = 0; t < a->taps; t++) {
			const float *x = a->x[t] + i;
			__m256 w = _mm256_broadcast_ss(a->w + t);
			s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x), w, s0);
			s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 8), w, s1);
			s2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 16), w, s2);
			s3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 24), w, s3);
		}
		finish(s0, a, a->y + i, 8);
		finish(s1, a, a->y + i + 8, 8);
		finish(s2, a, a->y + i + 16, 8);
		finish(s3, a, a->y + i + 24, 8);
	}
	for (; i < a->n; i += 8) {
		__m256 s = _mm256_setzero_ps();
		for (uint32_t t = 0; t < a->taps; t++)
			s = _mm256_fmadd_ps(_mm256_loadu_ps(a->x[t] + i), _mm256_broadcast_ss(a->w + t),
					    s);
		finish(s, a, a->y + i, a->n - i < 8 ? a->n - i : 8);
	}
}

#endif
