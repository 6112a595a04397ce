/* f32-packa-avx2.c — a block of rows of a row-major float matrix packed for the f32 GEMM
 * micro-kernels (cpu/operators fgemm.c, fmatmul.c): dst[p * mr + i] = a[i * si + p] for
 * i < mr, p < k. Eight columns at a time: one vector load per row, a register transpose, and
 * the mr x 8 result stored as contiguous vectors (it is dst[p0 * mr ... (p0 + 8) * mr));
 * the last k % 8 columns one element at a time. Data movement: the same bits as the scalar
 * loop. mr 8 (the AVX-512 level's 8x32 GEMM) and mr 4 (the AVX2 level's 4x24). */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define TARGET __attribute__((target("avx2")))

void TARGET eml_f32_pack_a8_avx2(const float *a, size_t si, size_t k, float *dst)
{
	size_t p = 0;
	for (; p + 8 <= k; p += 8, dst += 64) {
		__m256 r0 = _mm256_loadu_ps(a + 0 * si + p), r1 = _mm256_loadu_ps(a + 1 * si + p);
		__m256 r2 = _mm256_loadu_ps(a + 2 * si + p), r3 = _mm256_loadu_ps(a + 3 * si + p);
		__m256 r4 = _mm256_loadu_ps(a + 4 * si + p), r5 = _mm256_loadu_ps(a + 5 * si + p);
		__m256 r6 = _mm256_loadu_ps(a + 6 * si + p), r7 = _mm256_loadu_ps(a + 7 * si + p);
		__m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
		__m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
		__m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
		__m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
		__m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
		__m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
		__m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
		__m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
		/* u0: column p (rows 0-3) | column p + 4 (rows 0-3); u4 the same for rows 4-7 */
		_mm256_storeu_ps(dst + 0, _mm256_permute2f128_ps(u0, u4, 0x20));
		_mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(u1, u5, 0x20));
		_mm256_storeu_ps(dst + 16, _mm256_permute2f128_ps(u2, u6, 0x20));
		_mm256_storeu_ps(dst + 24, _mm256_permute2f128_ps(u3, u7, 0x20));
		_mm256_storeu_ps(dst + 32, _mm256_permute2f128_ps(u0, u4, 0x31));
		_mm256_storeu_ps(dst + 40, _mm256_permute2f128_ps(u1, u5, 0x31));
		_mm256_storeu_ps(dst + 48, _mm256_permute2f128_ps(u2, u6, 0x31));
		_mm256_storeu_ps(dst + 56, _mm256_permute2f128_ps(u3, u7, 0x31));
	}
	for (; p < k; p++, dst += 8)
		for (size_t i = 0; i < 8; i++)
			dst[i] = a[i * si + p];
}

void TARGET eml_f32_pack_a4_avx2(const float *a, size_t si, size_t k, float *dst)
{
	size_t p = 0;
	for (; p + 8 <= k; p += 8, dst += 32) {
		__m256 r0 = _mm256_loadu_ps(a + 0 * si + p), r1 = _mm256_loadu_ps(a + 1 * si + p);
		__m256 r2 = _mm256_loadu_ps(a + 2 * si + p), r3 = _mm256_loadu_ps(a + 3 * si + p);
		__m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
		__m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
		/* u0: column p | column p + 4, rows 0-3 each; u1: p + 1 | p + 5; ... */
		__m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
		__m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
		_mm256_storeu_ps(dst + 0, _mm256_permute2f128_ps(u0, u1, 0x20));
		_mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(u2, u3, 0x20));
		_mm256_storeu_ps(dst + 16, _mm256_permute2f128_ps(u0, u1, 0x31));
		_mm256_storeu_ps(dst + 24, _mm256_permute2f128_ps(u2, u3, 0x31));
	}
	for (; p < k; p++, dst += 4)
		for (size_t i = 0; i < 4; i++)
			dst[i] = a[i * si + p];
}

#endif
