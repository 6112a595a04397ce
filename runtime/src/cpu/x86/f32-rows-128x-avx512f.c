/* f32-rows-128x-avx512f.c — f32-rows-64x-avx2.c's float sums on 16 floats a vector: rows in
 * blocks of 128 (eight independent chains), then 16, then one at a time; every row's chain
 * is one fmaf per term, k in order from 0.0f, at every block size, so the results are
 * bit-identical to a scalar fmaf loop and to the AVX2 kernel. A 64-byte vector is one cache
 * line where wt is line-aligned (rnn.c allocates it so): a 256-row LSTM's R (64 KiB) is
 * streamed from L2 every step, one load a line. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define TARGET __attribute__((target("avx512f")))

void TARGET eml_f32_rows_128x_avx512f(const float *v, const float *wt, size_t kn, size_t ld,
				      size_t n, float *acc)
{
	size_t j = 0;
	for (; j + 128 <= n; j += 128) {
		__m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0,
		       s6 = s0, s7 = s0;
		for (size_t k = 0; k < kn; k++) {
			__m512 a = _mm512_set1_ps(v[k]);
			const float *w = wt + k * ld + j;
			s0 = _mm512_fmadd_ps(a, _mm512_loadu_ps(w), s0);
			s1 = _mm512_fmadd_ps(a, _mm512_loadu_ps(w + 16), s1);
			s2 = _mm512_fmadd_ps(a, _mm512_loadu_ps(w + 32), s2);
			s3 = _mm512_fmadd_ps(a, _mm512_loadu_ps(w + 48), s3);
			s4 = _mm512_fmadd_ps(a, _mm512_loadu_ps(w + 64), s4);
			s5 = _mm512_fmadd_ps(a, _mm512_loadu_ps(w + 80), s5);
			s6 = _mm512_fmadd_ps(a, _mm512_loadu_ps(w + 96), s6);
			s7 = _mm512_fmadd_ps(a, _mm512_loadu_ps(w + 112), s7);
		}
		_mm512_storeu_ps(acc + j, s0);
		_mm512_storeu_ps(acc + j + 16, s1);
		_mm512_storeu_ps(acc + j + 32, s2);
		_mm512_storeu_ps(acc + j + 48, s3);
		_mm512_storeu_ps(acc + j + 64, s4);
		_mm512_storeu_ps(acc + j + 80, s5);
		_mm512_storeu_ps(acc + j + 96, s6);
		_mm512_storeu_ps(acc + j + 112, s7);
	}
	for (; j + 16 <= n; j += 16) {
		__m512 s0 = _mm512_setzero_ps();
		for (size_t k = 0; k < kn; k++)
			s0 = _mm512_fmadd_ps(_mm512_set1_ps(v[k]), _mm512_loadu_ps(wt + k * ld + j),
					     s0);
		_mm512_storeu_ps(acc + j, s0);
	}
	if (j < n) {
		/* the last rows (fewer than 16) in one masked vector */
		__mmask16 m = (__mmask16)((1u << (n - j)) - 1);
		__m512 s0 = _mm512_setzero_ps();
		for (size_t k = 0; k < kn; k++)
			s0 = _mm512_fmadd_ps(_mm512_set1_ps(v[k]),
					     _mm512_maskz_loadu_ps(m, wt + k * ld + j), s0);
		_mm512_mask_storeu_ps(acc + j, m, s0);
	}
}

#endif
