/* f32-planesum-f64-avx2.c — the sums of 8 float planes in double, each from its first
 * element to its last (GlobalAveragePool and the whole-plane averages, operators/fpool.c):
 * 8 elements of each plane loaded as a vector, the 8 x 8 block transposed, then added in
 * order, 4 planes a double vector. Each plane's additions are the reference's, in its
 * order: bit-identical to a scalar loop. 16 planes at a time where there are, for two
 * independent chains of additions per vector lane. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define ATTR __attribute__((target("avx2"), always_inline)) static inline

/* Transposes the 8 x 8 block r[0..7] (row l: 8 elements of plane l) in place: r[j] then
 * holds element j of the 8 planes. */
ATTR void transpose8(__m256 r[8])
{
	__m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
	__m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
	__m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
	__m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
	__m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
	__m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
	__m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
	__m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
	__m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
	__m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
	__m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
	__m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
	r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
	r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
	r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
	r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
	r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
	r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
	r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
	r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* Adds the 8 x 8 block of planes x (size apart) from element i to s[0] (planes 0-3) and
 * s[1] (planes 4-7), element by element. */
ATTR void block(const float *x, size_t size, size_t i, __m256d s[2])
{
	__m256 r[8];
#pragma GCC unroll 8
	for (int l = 0; l < 8; l++)
		r[l] = _mm256_loadu_ps(x + (size_t)l * size + i);
	transpose8(r);
#pragma GCC unroll 8
	for (int j = 0; j < 8; j++) {
		s[0] = _mm256_add_pd(s[0], _mm256_cvtps_pd(_mm256_castps256_ps128(r[j])));
		s[1] = _mm256_add_pd(s[1], _mm256_cvtps_pd(_mm256_extractf128_ps(r[j], 1)));
	}
}

/* See eml_f32_planesum_fn. */
__attribute__((target("avx2"))) void eml_f32_planesum_f64_avx2(const float *x, size_t size,
							       size_t planes, double *sum)
{
	size_t p = 0, n8 = size / 8 * 8;
	for (; p + 16 <= planes; p += 16) {
		const float *xa = x + p * size, *xb = xa + 8 * size;
		__m256d a[2] = { _mm256_setzero_pd(), _mm256_setzero_pd() };
		__m256d b[2] = { _mm256_setzero_pd(), _mm256_setzero_pd() };
		for (size_t i = 0; i < n8; i += 8) {
			block(xa, size, i, a);
			block(xb, size, i, b);
		}
		_mm256_storeu_pd(sum + p, a[0]);
		_mm256_storeu_pd(sum + p + 4, a[1]);
		_mm256_storeu_pd(sum + p + 8, b[0]);
		_mm256_storeu_pd(sum + p + 12, b[1]);
	}
	for (; p + 8 <= planes; p += 8) {
		__m256d a[2] = { _mm256_setzero_pd(), _mm256_setzero_pd() };
		for (size_t i = 0; i < n8; i += 8)
			block(x + p * size, size, i, a);
		_mm256_storeu_pd(sum + p, a[0]);
		_mm256_storeu_pd(sum + p + 4, a[1]);
	}
	for (size_t q = 0; q < planes; q++) {
		/* the planes past the last group of 8 from 0, then every plane's last elements */
		size_t i = q < p ? n8 : 0;
		double s = q < p ? sum[q] : 0.0;
		for (; i < size; i++)
			s += x[q * size + i];
		sum[q] = s;
	}
}

#endif
