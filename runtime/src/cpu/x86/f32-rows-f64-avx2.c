/* f32-rows-f64-avx2.c — many float dot products summed in double, side by side (the
 * recurrent operator, operators/rnn.c): acc[j] = sum over k of (double)v[k] * wt[k * ld + j],
 * k in order from 0.0. A product of two floats is exact in double, so the fused
 * multiply-add rounds exactly as the reference's add of the product: bit-identical to a
 * scalar loop. Rows in blocks of 16, then 4, then one at a time. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

__attribute__((target("avx2,fma"))) void eml_f32_rows_f64_avx2(const float *v, const float *wt,
							       size_t kn, size_t ld, size_t n,
							       double *acc)
{
	size_t j = 0;
	for (; j + 16 <= n; j += 16) {
		__m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
		for (size_t k = 0; k < kn; k++) {
			__m256d a = _mm256_set1_pd((double)v[k]);
			const float *w = wt + k * ld + j;
			s0 = _mm256_fmadd_pd(a, _mm256_cvtps_pd(_mm_loadu_ps(w)), s0);
			s1 = _mm256_fmadd_pd(a, _mm256_cvtps_pd(_mm_loadu_ps(w + 4)), s1);
			s2 = _mm256_fmadd_pd(a, _mm256_cvtps_pd(_mm_loadu_ps(w + 8)), s2);
			s3 = _mm256_fmadd_pd(a, _mm256_cvtps_pd(_mm_loadu_ps(w + 12)), s3);
		}
		_mm256_storeu_pd(acc + j, s0);
		_mm256_storeu_pd(acc + j + 4, s1);
		_mm256_storeu_pd(acc + j + 8, s2);
		_mm256_storeu_pd(acc + j + 12, s3);
	}
	for (; j + 4 <= n; j += 4) {
		__m256d s0 = _mm256_setzero_pd();
		for (size_t k = 0; k < kn; k++)
			s0 = _mm256_fmadd_pd(_mm256_set1_pd((double)v[k]),
					     _mm256_cvtps_pd(_mm_loadu_ps(wt + k * ld + j)), s0);
		_mm256_storeu_pd(acc + j, s0);
	}
	for (; j < n; j++) {
		double s = 0.0;
		for (size_t k = 0; k < kn; k++)
			s += (double)v[k] * wt[k * ld + j];
		acc[j] = s;
	}
}

#endif
