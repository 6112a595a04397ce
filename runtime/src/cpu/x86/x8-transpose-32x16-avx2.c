/* x8-transpose-32x16-avx2.c — the transposes between 64 channel planes and a pixel-major tile
 * of 64 channels for AVX2 (the avx512bw ones' siblings): two 16 x 16 byte blocks at once, one
 * per 128-bit lane (four rounds of in-lane unpacks), in two passes of 32 channels. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* Transposes the 16 x 16 byte block in each 128-bit lane of t[0..15] into o[0..15]: byte j
 * of lane L of o[i] is byte i of lane L of t[j]. */
TARGET static inline __attribute__((always_inline)) void lanes16(const __m256i *t, __m256i *o)
{
	__m256i u[16], v[16];
	for (int k = 0; k < 8; k++) {
		u[k] = _mm256_unpacklo_epi8(t[2 * k], t[2 * k + 1]);
		u[k + 8] = _mm256_unpackhi_epi8(t[2 * k], t[2 * k + 1]);
	}
	for (int h = 0; h < 2; h++)
		for (int k = 0; k < 4; k++) {
			const __m256i *p = u + 8 * h + 2 * k;
			v[8 * h + k] = _mm256_unpacklo_epi16(p[0], p[1]);
			v[8 * h + 4 + k] = _mm256_unpackhi_epi16(p[0], p[1]);
		}
	for (int cb = 0; cb < 16; cb += 4) {
		__m256i a = _mm256_unpacklo_epi32(v[cb], v[cb + 1]);
		__m256i b = _mm256_unpackhi_epi32(v[cb], v[cb + 1]);
		__m256i c = _mm256_unpacklo_epi32(v[cb + 2], v[cb + 3]);
		__m256i d = _mm256_unpackhi_epi32(v[cb + 2], v[cb + 3]);
		o[cb] = _mm256_unpacklo_epi64(a, c);
		o[cb + 1] = _mm256_unpackhi_epi64(a, c);
		o[cb + 2] = _mm256_unpacklo_epi64(b, d);
		o[cb + 3] = _mm256_unpackhi_epi64(b, d);
	}
}

/* See ukernels.h. The last 16 pixels overlap the ones before (the same bytes again). */
void TARGET eml_x8_transpose_planes_64_avx2(const uint8_t *src, size_t src_stride, size_t n,
					    uint8_t *dst, const size_t *off, uint8_t flip)
{
	const __m256i f = _mm256_set1_epi8((char)flip);
	__m256i t[16], o[16];
	for (size_t p0 = 0; p0 < n; p0 += 16) {
		size_t p = p0 + 16 <= n ? p0 : n - 16;
		for (size_t q = 0; q < 64; q += 32) {
			for (int r = 0; r < 16; r++) {
				/* lane L: row r of the block of channels q + 16L .. + 15 */
				const uint8_t *s = src + (q + (size_t)r) * src_stride + p;
				__m256i v = _mm256_loadu2_m128i((const __m128i *)(s + 16 * src_stride),
								(const __m128i *)s);
				t[r] = _mm256_xor_si256(v, f);
			}
			lanes16(t, o);
			for (int c = 0; c < 16; c++)
				_mm256_storeu_si256((__m256i *)(dst + off[p + (size_t)c] + q), o[c]);
		}
	}
}

/* See ukernels.h. */
void TARGET eml_x8_transpose_tile_64_avx2(const uint8_t *src, size_t n, uint8_t *dst,
					  size_t dst_stride)
{
	__m256i t[16], o[16];
	for (size_t p0 = 0; p0 < n; p0 += 16) {
		size_t p = p0 + 16 <= n ? p0 : n - 16;
		for (size_t q = 0; q < 64; q += 32) {
			for (int r = 0; r < 16; r++)
				t[r] = _mm256_loadu_si256(
					(const __m256i *)(src + (p + (size_t)r) * 64 + q));
			lanes16(t, o);
			for (int c = 0; c < 16; c++) {
				uint8_t *d = dst + (q + (size_t)c) * dst_stride + p;
				_mm256_storeu2_m128i((__m128i *)(d + 16 * dst_stride), (__m128i *)d,
						     o[c]);
			}
		}
	}
}

#endif
