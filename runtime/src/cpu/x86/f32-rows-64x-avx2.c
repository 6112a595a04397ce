/* f32-rows-64x-avx2.c — many float dot products side by side in float (the recurrent
 * operator off exact float, operators/rnn.c): acc[j] = sum over k of v[k] * wt[k * ld + j],
 * k in order from 0.0f, one fused multiply-add per term. Rows in blocks of 64 (eight
 * independent chains: both FMA ports busy despite the latency), then 8, then one at a time;
 * every row's chain is the same at every level, so the results are bit-identical to a scalar
 * fmaf loop. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define TARGET __attribute__((target("avx2,fma")))

void TARGET eml_f32_rows_64x_avx2(const float *v, const float *wt, size_t kn, size_t ld,
				  size_t n, float *acc)
{
	size_t j = 0;
	for (; j + 64 <= n; j += 64) {
		__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0,
		       s6 = s0, s7 = s0;
		for (size_t k = 0; k < kn; k++) {
			__m256 a = _mm256_broadcast_ss(v + k);
			const float *w = wt + k * ld + j;
			s0 = _mm256_fmadd_ps(a, _mm256_loadu_ps(w), s0);
			s1 = _mm256_fmadd_ps(a, _mm256_loadu_ps(w + 8), s1);
			s2 = _mm256_fmadd_ps(a, _mm256_loadu_ps(w + 16), s2);
			s3 = _mm256_fmadd_ps(a, _mm256_loadu_ps(w + 24), s3);
			s4 = _mm256_fmadd_ps(a, _mm256_loadu_ps(w + 32), s4);
			s5 = _mm256_fmadd_ps(a, _mm256_loadu_ps(w + 40), s5);
			s6 = _mm256_fmadd_ps(a, _mm256_loadu_ps(w + 48), s6);
			s7 = _mm256_fmadd_ps(a, _mm256_loadu_ps(w + 56), s7);
		}
		_mm256_storeu_ps(acc + j, s0);
		_mm256_storeu_ps(acc + j + 8, s1);
		_mm256_storeu_ps(acc + j + 16, s2);
		_mm256_storeu_ps(acc + j + 24, s3);
		_mm256_storeu_ps(acc + j + 32, s4);
		_mm256_storeu_ps(acc + j + 40, s5);
		_mm256_storeu_ps(acc + j + 48, s6);
		_mm256_storeu_ps(acc + j + 56, s7);
	}
	for (; j + 8 <= n; j += 8) {
		__m256 s0 = _mm256_setzero_ps();
		for (size_t k = 0; k < kn; k++)
			s0 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + k),
					     _mm256_loadu_ps(wt + k * ld + j), s0);
		_mm256_storeu_ps(acc + j, s0);
	}
	for (; j < n; j++) {
		__m128 s = _mm_setzero_ps();
		for (size_t k = 0; k < kn; k++)
			s = _mm_fmadd_ss(_mm_load_ss(v + k), _mm_load_ss(wt + k * ld + j), s);
		acc[j] = _mm_cvtss_f32(s);
	}
}

#endif
