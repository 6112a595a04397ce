/* f32-layernorm-avx2.c — f32-layernorm-avx512f.c's row on 4 doubles a vector: partial sums
 * over two vectors, the last elements (fewer than 8) one at a time; y as the C loop rounds
 * it, 8 floats a step. Within the float tolerance of docs/ops.md. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define TARGET __attribute__((target("avx2")))

static inline TARGET double hsum(__m256d v)
{
	__m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
	return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

void TARGET eml_f32_layernorm_avx2(const float *x, size_t n, const float *scale,
				   const float *bias, float eps, float *y, float *mean_out,
				   float *inv_out)
{
	__m256d s0 = _mm256_setzero_pd(), s1 = s0;
	size_t i = 0, n8 = n / 8 * 8;
	for (; i < n8; i += 8) {
		s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm_loadu_ps(x + i)));
		s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)));
	}
	double s = hsum(_mm256_add_pd(s0, s1));
	for (; i < n; i++)
		s += x[i];
	double mean = s / (double)n;
	__m256d vm = _mm256_set1_pd(mean), q0 = _mm256_setzero_pd(), q1 = q0;
	for (i = 0; i < n8; i += 8) {
		__m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i)), vm);
		__m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)), vm);
		q0 = _mm256_add_pd(q0, _mm256_mul_pd(d0, d0));
		q1 = _mm256_add_pd(q1, _mm256_mul_pd(d1, d1));
	}
	double q = hsum(_mm256_add_pd(q0, q1));
	for (; i < n; i++)
		q += ((double)x[i] - mean) * ((double)x[i] - mean);
	double inv = 1.0 / __builtin_sqrt(q / (double)n + (double)eps);
	float fi = (float)inv;
	__m256 vi = _mm256_set1_ps(fi);
	for (i = 0; i < n8; i += 8) {
		__m128 d0 = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i)), vm));
		__m128 d1 =
			_mm256_cvtpd_ps(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)), vm));
		__m256 d = _mm256_insertf128_ps(_mm256_castps128_ps256(d0), d1, 1);
		__m256 v = _mm256_mul_ps(_mm256_mul_ps(d, vi), _mm256_loadu_ps(scale + i));
		if (bias)
			v = _mm256_add_ps(v, _mm256_loadu_ps(bias + i));
		_mm256_storeu_ps(y + i, v);
	}
	for (; i < n; i++) {
		float v = (float)((double)x[i] - mean) * fi * scale[i];
		y[i] = bias ? v + bias[i] : v;
	}
	*mean_out = (float)mean;
	*inv_out = fi;
}

#endif
