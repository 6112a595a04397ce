/* x8-pack-blocked-avx2.c — packs a GEMM x tile (kc 4) from activations kept channels-last in
 * blocks of 64 channels, as the channels-in-lanes depthwise kernel leaves them: an 8 x 8
 * transpose of dwords (8 pixels x 8 groups of 4 channels) per half block and 8 columns, in
 * place of the byte transpose back to channel planes and the 1x1 layer's pack (the
 * avx512f one's sibling, for the AVX2 GEMM's tiles of 8 columns). */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* Transposes 8 rows of 8 dwords in r and stores column c to dst + c * pitch bytes. */
TARGET static inline __attribute__((always_inline)) void store_transposed(const __m256i *r,
									  uint8_t *dst,
									  size_t pitch)
{
	__m256i t[8], u[8];
	for (int i = 0; i < 4; i++) {
		t[2 * i] = _mm256_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm256_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
	}
	/* u[4h + k]: rows 4h .. 4h + 3 of column 4L + k in lane L */
	for (int h = 0; h < 2; h++) {
		const __m256i *p = t + 4 * h;
		u[4 * h] = _mm256_unpacklo_epi64(p[0], p[2]);
		u[4 * h + 1] = _mm256_unpackhi_epi64(p[0], p[2]);
		u[4 * h + 2] = _mm256_unpacklo_epi64(p[1], p[3]);
		u[4 * h + 3] = _mm256_unpackhi_epi64(p[1], p[3]);
	}
	for (int k = 0; k < 4; k++) {
		_mm256_storeu_si256((__m256i *)(dst + k * pitch),
				    _mm256_permute2x128_si256(u[k], u[4 + k], 0x20));
		_mm256_storeu_si256((__m256i *)(dst + (k + 4) * pitch),
				    _mm256_permute2x128_si256(u[k], u[4 + k], 0x31));
	}
}

/* See ukernels.h. */
void TARGET eml_x8_pack_blocked_avx2(const uint8_t *src, size_t plane, size_t k, uint32_t nr,
				     uint32_t tile_nr, uint8_t flip, uint8_t *dst)
{
	const __m256i f = _mm256_set1_epi8((char)flip);
	size_t pitch = (size_t)tile_nr * 4;
	for (size_t b = 0; b < k / 64; b++) {
		const uint8_t *s = src + b * plane * 64;
		uint8_t *d = dst + b * 16 * pitch;
		for (uint32_t j0 = 0; j0 < tile_nr; j0 += 8) {
			for (size_t h = 0; h < 2; h++) {
				__m256i r[8];
				/* pixels past nr are zero columns, never read: they may lie past
				 * the buffer */
				for (uint32_t i = 0; i < 8; i++)
					r[i] = j0 + i < nr ?
						       _mm256_xor_si256(
							       _mm256_loadu_si256(
								       (const __m256i *)(s +
									       (size_t)(j0 + i) * 64 +
									       32 * h)),
							       f) :
						       _mm256_setzero_si256();
				store_transposed(r, d + 8 * h * pitch + (size_t)j0 * 4, pitch);
			}
		}
	}
}

#endif
