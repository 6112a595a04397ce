/* f32-rows-f64-avx512f.c — f32-rows-f64-avx2.c's sums on 8 doubles a vector: rows in blocks
 * of 32, then 8, then one at a time; bit-identical to a scalar loop (see there). */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

__attribute__((target("avx512f"))) void eml_f32_rows_f64_avx512f(const float *v,
								 const float *wt, size_t kn,
								 size_t ld, size_t n,
								 double *acc)
{
	size_t j = 0;
	for (; j + 32 <= n; j += 32) {
		__m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
		for (size_t k = 0; k < kn; k++) {
			__m512d a = _mm512_set1_pd((double)v[k]);
			const float *w = wt + k * ld + j;
			s0 = _mm512_fmadd_pd(a, _mm512_cvtps_pd(_mm256_loadu_ps(w)), s0);
			s1 = _mm512_fmadd_pd(a, _mm512_cvtps_pd(_mm256_loadu_ps(w + 8)), s1);
			s2 = _mm512_fmadd_pd(a, _mm512_cvtps_pd(_mm256_loadu_ps(w + 16)), s2);
			s3 = _mm512_fmadd_pd(a, _mm512_cvtps_pd(_mm256_loadu_ps(w + 24)), s3);
		}
		_mm512_storeu_pd(acc + j, s0);
		_mm512_storeu_pd(acc + j + 8, s1);
		_mm512_storeu_pd(acc + j + 16, s2);
		_mm512_storeu_pd(acc + j + 24, s3);
	}
	for (; j + 8 <= n; j += 8) {
		__m512d s0 = _mm512_setzero_pd();
		for (size_t k = 0; k < kn; k++)
			s0 = _mm512_fmadd_pd(_mm512_set1_pd((double)v[k]),
					     _mm512_cvtps_pd(_mm256_loadu_ps(wt + k * ld + j)),
					     s0);
		_mm512_storeu_pd(acc + j, s0);
	}
	for (; j < n; j++) {
		double s = 0.0;
		for (size_t k = 0; k < kn; k++)
			s += (double)v[k] * wt[k * ld + j];
		acc[j] = s;
	}
}

#endif
