/* x8-pack-blocked-avx512f.c — packs a GEMM x tile (kc 4) from activations kept channels-last
 * in blocks of 64 channels, as the channels-in-lanes depthwise kernel leaves them: a 16 x 16
 * transpose of dwords (16 pixels x 16 groups of 4 channels) per block and half tile, in place
 * of the byte transpose back to channel planes and the interleave of 4 planes. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

/* Transposes 16 rows of 16 dwords in r and stores column c to dst + c * pitch bytes. */
static inline void __attribute__((target("avx512f")))
store_transposed(const __m512i *r, uint8_t *dst, size_t pitch)
{
	__m512 t[16], u[16];
	/* per 128-bit lane L: t[2i] = rows 2i, 2i+1 of columns 4L, 4L+1; t[2i+1] of 4L+2, 4L+3 */
	for (int i = 0; i < 8; i++) {
		__m512 a = _mm512_castsi512_ps(r[2 * i]), b = _mm512_castsi512_ps(r[2 * i + 1]);
		t[2 * i] = _mm512_unpacklo_ps(a, b);
		t[2 * i + 1] = _mm512_unpackhi_ps(a, b);
	}
	/* u[4g + k]: rows 4g..4g+3 of column 4L + k in lane L */
	for (int g = 0; g < 4; g++) {
		u[4 * g] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
		u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xee);
		u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
		u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xee);
	}
	/* gathers the four row groups' lanes: columns k, k + 8, k + 4, k + 12 */
	for (int k = 0; k < 4; k++) {
		__m512 v0 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x88);
		__m512 v1 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xdd);
		__m512 v2 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x88);
		__m512 v3 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xdd);
		_mm512_storeu_ps(dst + k * pitch, _mm512_shuffle_f32x4(v0, v2, 0x88));
		_mm512_storeu_ps(dst + (k + 8) * pitch, _mm512_shuffle_f32x4(v0, v2, 0xdd));
		_mm512_storeu_ps(dst + (k + 4) * pitch, _mm512_shuffle_f32x4(v1, v3, 0x88));
		_mm512_storeu_ps(dst + (k + 12) * pitch, _mm512_shuffle_f32x4(v1, v3, 0xdd));
	}
}

/* See ukernels.h. */
void __attribute__((target("avx512f")))
eml_x8_pack_blocked_avx512f(const uint8_t *src, size_t plane, size_t k, uint32_t nr,
			    uint32_t tile_nr, uint8_t flip, uint8_t *dst)
{
	const __m512i f = _mm512_set1_epi8((char)flip);
	size_t pitch = (size_t)tile_nr * 4;
	for (size_t b = 0; b < k / 64; b++) {
		const uint8_t *s = src + b * plane * 64;
		uint8_t *d = dst + b * 16 * pitch;
		for (uint32_t j0 = 0; j0 < tile_nr; j0 += 16) {
			__m512i r[16];
			/* pixels past nr are zero columns, never read: they may lie past the
			 * buffer */
			for (uint32_t i = 0; i < 16; i++) {
				__mmask16 m = j0 + i < nr ? 0xffff : 0;
				r[i] = _mm512_maskz_loadu_epi32(m, s + (size_t)(j0 + i) * 64);
				r[i] = _mm512_maskz_xor_epi32(m, r[i], f);
			}
			store_transposed(r, d + (size_t)j0 * 4, pitch);
		}
	}
}

#endif
