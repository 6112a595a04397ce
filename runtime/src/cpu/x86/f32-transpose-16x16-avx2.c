/* f32-transpose-16x16-avx2.c — a 16 x 16 block of floats moved across as four 8 x 8 blocks in
 * registers (unpacks, in-lane shuffles, then 128-bit lane swaps), for the channels-in-lanes
 * depthwise convolution's interleaving of channel planes and back. A copy: bit-exact. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* See eml_f32_transpose_fn. */
void __attribute__((target("avx2")))
eml_f32_transpose_16x16_avx2(const float *src, size_t stride, float *dst, const size_t *off)
{
	for (int bi = 0; bi < 2; bi++) {
		for (int bj = 0; bj < 2; bj++) {
			const float *s = src + (size_t)(8 * bi) * stride + 8 * bj;
			__m256 r[8], t[8], u[8];
			for (int i = 0; i < 8; i++)
				r[i] = _mm256_loadu_ps(s + (size_t)i * stride);
			/* t[2i]: rows 2i, 2i+1 of columns 0, 1 | 4, 5; t[2i+1]: of 2, 3 | 6, 7 */
			for (int i = 0; i < 4; i++) {
				t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
				t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
			}
			/* u[4g + k]: rows 4g..4g+3 of column k | k + 4 */
			for (int g = 0; g < 2; g++) {
				u[4 * g] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
				u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xee);
				u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
				u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xee);
			}
			float *d = dst + 8 * bi;
			const size_t *o = off + 8 * bj;
			for (int k = 0; k < 4; k++) {
				_mm256_storeu_ps(d + o[k], _mm256_permute2f128_ps(u[k], u[4 + k], 0x20));
				_mm256_storeu_ps(d + o[k + 4],
						 _mm256_permute2f128_ps(u[k], u[4 + k], 0x31));
			}
		}
	}
}

#endif
