/* f32-softmax-avx512f.c — one contiguous row of Softmax (operators/fsoftmax.c, inner 1):
 * the max (a NaN ignored, as the C loop's compare), x - max, the level's exp over the row
 * (eml_f32_vexp_avx512f), the sum in double on two vectors of partial sums, one multiply by
 * the sum's reciprocal; 16 floats a step, the last, partial step masked. The sum's order is
 * this kernel's: within the float tolerance of docs/ops.md, as the C loop is. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "cpu/f32_ukernels.h"
#include "cpu/f32_vmath.h"

#define TARGET __attribute__((target("avx512f")))

/* The mask of the elements [i, i + 16) below n. */
static inline __mmask16 tail16(size_t i, size_t n)
{
	return (__mmask16)(n - i >= 16 ? 0xffffu : (1u << (n - i)) - 1);
}

void TARGET eml_f32_softmax_avx512f(size_t n, const float *x, float *y)
{
	__m512 ninf = _mm512_set1_ps(-INFINITY), m = ninf;
	for (size_t i = 0; i < n; i += 16)
		/* (v > m) ? v : m, as the C loop: a NaN v leaves m */
		m = _mm512_max_ps(_mm512_mask_loadu_ps(ninf, tail16(i, n), x + i), m);
	__m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(m));
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 k = tail16(i, n);
		_mm512_mask_storeu_ps(y + i, k, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mx));
	}
	eml_f32_vexp_avx512f(n, y, y);
	__m512d s0 = _mm512_setzero_pd(), s1 = s0;
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 k = tail16(i, n);
		__m512 v = _mm512_maskz_loadu_ps(k, y + i);
		s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
		s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_castpd_ps(
					       _mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
	}
	__m512 inv = _mm512_set1_ps((float)(1.0 / _mm512_reduce_add_pd(_mm512_add_pd(s0, s1))));
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 k = tail16(i, n);
		_mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, y + i), inv));
	}
}

#endif
