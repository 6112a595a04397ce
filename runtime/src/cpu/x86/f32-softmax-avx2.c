/* f32-softmax-avx2.c — f32-softmax-avx512f.c's row on 8 floats a step (the sum on two
 * vectors of 4 doubles), the last elements (fewer than 8) one at a time; the level's exp
 * (eml_f32_vexp_avx2). Within the float tolerance of docs/ops.md. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "cpu/f32_ukernels.h"
#include "cpu/f32_vmath.h"

#define TARGET __attribute__((target("avx2")))

void TARGET eml_f32_softmax_avx2(size_t n, const float *x, float *y)
{
	size_t n8 = n / 8 * 8, i;
	__m256 m = _mm256_set1_ps(-INFINITY);
	for (i = 0; i < n8; i += 8)
		m = _mm256_max_ps(_mm256_loadu_ps(x + i), m); /* a NaN leaves m */
	__m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
	h = _mm_max_ps(h, _mm_movehl_ps(h, h));
	h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
	float mx = _mm_cvtss_f32(h);
	for (; i < n; i++)
		mx = x[i] > mx ? x[i] : mx;
	__m256 vm = _mm256_set1_ps(mx);
	for (i = 0; i < n8; i += 8)
		_mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
	for (; i < n; i++)
		y[i] = x[i] - mx;
	eml_f32_vexp_avx2(n, y, y);
	__m256d s0 = _mm256_setzero_pd(), s1 = s0;
	for (i = 0; i < n8; i += 8) {
		s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm_loadu_ps(y + i)));
		s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm_loadu_ps(y + i + 4)));
	}
	__m256d s = _mm256_add_pd(s0, s1);
	__m128d t = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
	double sum = _mm_cvtsd_f64(_mm_add_sd(t, _mm_unpackhi_pd(t, t)));
	for (; i < n; i++)
		sum += y[i];
	float inv = (float)(1.0 / sum);
	__m256 vi = _mm256_set1_ps(inv);
	for (i = 0; i < n8; i += 8)
		_mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), vi));
	for (; i < n; i++)
		y[i] *= inv;
}

#endif
