/* x8-transpose-64x16-avx512bw.c — the transposes between 64 channel planes and a pixel-major
 * tile of 64 channels, four 16 x 16 byte blocks at once (one per 128-bit lane, four rounds
 * of in-lane unpacks): a pixel's 64 channels are then one vector. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw")))

/* Transposes the 16 x 16 byte block in each 128-bit lane of t[0..15] into o[0..15]: byte j
 * of lane L of o[i] is byte i of lane L of t[j]. */
TARGET static inline void lanes16(const __m512i *t, __m512i *o)
{
	__m512i u[16], v[16];
	for (int k = 0; k < 8; k++) {
		u[k] = _mm512_unpacklo_epi8(t[2 * k], t[2 * k + 1]);
		u[k + 8] = _mm512_unpackhi_epi8(t[2 * k], t[2 * k + 1]);
	}
	for (int h = 0; h < 2; h++)
		for (int k = 0; k < 4; k++) {
			const __m512i *p = u + 8 * h + 2 * k;
			v[8 * h + k] = _mm512_unpacklo_epi16(p[0], p[1]);
			v[8 * h + 4 + k] = _mm512_unpackhi_epi16(p[0], p[1]);
		}
	for (int cb = 0; cb < 16; cb += 4) {
		__m512i a = _mm512_unpacklo_epi32(v[cb], v[cb + 1]);
		__m512i b = _mm512_unpackhi_epi32(v[cb], v[cb + 1]);
		__m512i c = _mm512_unpacklo_epi32(v[cb + 2], v[cb + 3]);
		__m512i d = _mm512_unpackhi_epi32(v[cb + 2], v[cb + 3]);
		o[cb] = _mm512_unpacklo_epi64(a, c);
		o[cb + 1] = _mm512_unpackhi_epi64(a, c);
		o[cb + 2] = _mm512_unpacklo_epi64(b, d);
		o[cb + 3] = _mm512_unpackhi_epi64(b, d);
	}
}

/* See ukernels.h. The last 16 pixels overlap the ones before (the same bytes again). */
void TARGET eml_x8_transpose_planes_64_avx512bw(const uint8_t *src, size_t src_stride, size_t n,
						uint8_t *dst, const size_t *off, uint8_t flip)
{
	const __m512i f = _mm512_set1_epi8((char)flip);
	__m512i t[16], o[16];
	for (size_t p0 = 0; p0 < n; p0 += 16) {
		size_t p = p0 + 16 <= n ? p0 : n - 16;
		for (int r = 0; r < 16; r++) {
			/* lane L: row r of the block of channels 16L .. 16L + 15 */
			const uint8_t *s = src + (size_t)r * src_stride + p;
			const size_t l = 16 * src_stride;
			__m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)s));
			v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(s + l)), 1);
			v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(s + 2 * l)), 2);
			v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(s + 3 * l)), 3);
			t[r] = _mm512_xor_si512(v, f);
		}
		lanes16(t, o);
		for (int c = 0; c < 16; c++)
			_mm512_storeu_si512(dst + off[p + (size_t)c], o[c]);
	}
}

/* See ukernels.h. */
void TARGET eml_x8_transpose_tile_64_avx512bw(const uint8_t *src, size_t n, uint8_t *dst,
					      size_t dst_stride)
{
	__m512i t[16], o[16];
	for (size_t p0 = 0; p0 < n; p0 += 16) {
		size_t p = p0 + 16 <= n ? p0 : n - 16;
		for (int r = 0; r < 16; r++)
			t[r] = _mm512_loadu_si512(src + (p + (size_t)r) * 64);
		lanes16(t, o);
		for (int c = 0; c < 16; c++) {
			uint8_t *d = dst + (size_t)c * dst_stride + p;
			_mm_storeu_si128((__m128i *)d, _mm512_castsi512_si128(o[c]));
			_mm_storeu_si128((__m128i *)(d + 16 * dst_stride),
					 _mm512_extracti32x4_epi32(o[c], 1));
			_mm_storeu_si128((__m128i *)(d + 32 * dst_stride),
					 _mm512_extracti32x4_epi32(o[c], 2));
			_mm_storeu_si128((__m128i *)(d + 48 * dst_stride),
					 _mm512_extracti32x4_epi32(o[c], 3));
		}
	}
}

#endif
