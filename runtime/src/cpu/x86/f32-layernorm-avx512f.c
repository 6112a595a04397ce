/* f32-layernorm-avx512f.c — one row of LayerNormalization (operators/flayernorm.c) on 8
 * doubles a vector: the mean and the squared deviations summed in double, 16 floats a step
 * into two vectors of partial sums (the last, partial step masked), inv = 1 / sqrt(var + eps)
 * in double; then y = (float)(x - mean) * (float)inv * scale + bias as the C loop rounds it
 * (a product, a product, a sum: no contraction). The sums' order is this kernel's: within
 * the float tolerance of docs/ops.md, as the C loop is. AVX-512F only. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define TARGET __attribute__((target("avx512f")))

/* The 16 floats of v as two vectors of 8 doubles. */
static inline TARGET __m512d lo_pd(__m512 v)
{
	return _mm512_cvtps_pd(_mm512_castps512_ps256(v));
}

static inline TARGET __m512d hi_pd(__m512 v)
{
	return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

/* The mask of the elements [i, i + 16) below n. */
static inline __mmask16 tail16(size_t i, size_t n)
{
	return (__mmask16)(n - i >= 16 ? 0xffffu : (1u << (n - i)) - 1);
}

void TARGET eml_f32_layernorm_avx512f(const float *x, size_t n, const float *scale,
				      const float *bias, float eps, float *y, float *mean_out,
				      float *inv_out)
{
	__m512d s0 = _mm512_setzero_pd(), s1 = s0;
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 m = tail16(i, n);
		__m512 v = _mm512_maskz_loadu_ps(m, x + i);
		s0 = _mm512_mask_add_pd(s0, (__mmask8)m, s0, lo_pd(v));
		s1 = _mm512_mask_add_pd(s1, (__mmask8)(m >> 8), s1, hi_pd(v));
	}
	double mean = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) / (double)n;
	__m512d vm = _mm512_set1_pd(mean), q0 = _mm512_setzero_pd(), q1 = q0;
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 m = tail16(i, n);
		__m512 v = _mm512_maskz_loadu_ps(m, x + i);
		__m512d d0 = _mm512_sub_pd(lo_pd(v), vm), d1 = _mm512_sub_pd(hi_pd(v), vm);
		q0 = _mm512_mask_add_pd(q0, (__mmask8)m, q0, _mm512_mul_pd(d0, d0));
		q1 = _mm512_mask_add_pd(q1, (__mmask8)(m >> 8), q1, _mm512_mul_pd(d1, d1));
	}
	double var = _mm512_reduce_add_pd(_mm512_add_pd(q0, q1)) / (double)n;
	double inv = 1.0 / __builtin_sqrt(var + (double)eps);
	float fi = (float)inv;
	__m512 vi = _mm512_set1_ps(fi);
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 m = tail16(i, n);
		__m512 v = _mm512_maskz_loadu_ps(m, x + i);
		__m256 d0 = _mm512_cvtpd_ps(_mm512_sub_pd(lo_pd(v), vm));
		__m256 d1 = _mm512_cvtpd_ps(_mm512_sub_pd(hi_pd(v), vm));
		__m512 d = _mm512_castpd_ps(_mm512_insertf64x4(
			_mm512_castpd256_pd512(_mm256_castps_pd(d0)), _mm256_castps_pd(d1), 1));
		__m512 r = _mm512_mul_ps(_mm512_mul_ps(d, vi), _mm512_maskz_loadu_ps(m, scale + i));
		if (bias)
			r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, bias + i));
		_mm512_mask_storeu_ps(y + i, m, r);
	}
	*mean_out = (float)mean;
	*inv_out = fi;
}

#endif
