/* x8-transpose-16x16-sse2.c — byte matrix transpose in 16 x 16 blocks (four rounds of
 * unpacks), between the channel-major planes of the graph's activations and the pixel-major
 * tiles of the channels-in-lanes depthwise kernel. */
#if defined(__x86_64__)
#include <emmintrin.h>

#include "cpu/x86/ukernels.h"

/* Transposes the 16 x 16 block at src (rows src_stride apart) into 16 rows at dst[0..15]. */
static inline void block16(const uint8_t *src, size_t src_stride, uint8_t *const *dst,
			   __m128i flip)
{
	__m128i t[16], u[16], v[16];
	for (int r = 0; r < 16; r++)
		t[r] = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + r * src_stride)),
				     flip);
	/* u[k], u[k + 8]: columns 0..7, 8..15 of rows 2k, 2k + 1 as byte pairs */
	for (int k = 0; k < 8; k++) {
		u[k] = _mm_unpacklo_epi8(t[2 * k], t[2 * k + 1]);
		u[k + 8] = _mm_unpackhi_epi8(t[2 * k], t[2 * k + 1]);
	}
	/* v[8h + k], v[8h + 4 + k]: columns 8h + 0..3, 8h + 4..7 of rows 4k .. 4k + 3 */
	for (int h = 0; h < 2; h++)
		for (int k = 0; k < 4; k++) {
			v[8 * h + k] = _mm_unpacklo_epi16(u[8 * h + 2 * k], u[8 * h + 2 * k + 1]);
			v[8 * h + 4 + k] =
				_mm_unpackhi_epi16(u[8 * h + 2 * k], u[8 * h + 2 * k + 1]);
		}
	/* for the columns cb .. cb + 3 of v[cb .. cb + 3]: rows 0..7 and 8..15 in qwords */
	for (int cb = 0; cb < 16; cb += 4) {
		__m128i a = _mm_unpacklo_epi32(v[cb], v[cb + 1]);
		__m128i b = _mm_unpackhi_epi32(v[cb], v[cb + 1]);
		__m128i c = _mm_unpacklo_epi32(v[cb + 2], v[cb + 3]);
		__m128i d = _mm_unpackhi_epi32(v[cb + 2], v[cb + 3]);
		_mm_storeu_si128((__m128i *)dst[cb], _mm_unpacklo_epi64(a, c));
		_mm_storeu_si128((__m128i *)dst[cb + 1], _mm_unpackhi_epi64(a, c));
		_mm_storeu_si128((__m128i *)dst[cb + 2], _mm_unpacklo_epi64(b, d));
		_mm_storeu_si128((__m128i *)dst[cb + 3], _mm_unpackhi_epi64(b, d));
	}
}

/* See ukernels.h. Blocks at the edges overlap their neighbours (writing the same bytes
 * again) rather than falling back to bytes one at a time; only a matrix under 16 in either
 * dimension goes byte by byte. */
void eml_x8_transpose_16x16_sse2(const uint8_t *src, size_t src_stride, size_t rows,
				 size_t cols, uint8_t *dst, const size_t *off, size_t dst_stride,
				 uint8_t flip)
{
	if (rows < 16 || cols < 16) {
		for (size_t j = 0; j < cols; j++) {
			uint8_t *d = dst + (off ? off[j] : j * dst_stride);
			for (size_t i = 0; i < rows; i++)
				d[i] = src[i * src_stride + j] ^ flip;
		}
		return;
	}
	const __m128i f = _mm_set1_epi8((char)flip);
	uint8_t *d[16];
	for (size_t i0 = 0; i0 < rows; i0 += 16) {
		size_t i = i0 + 16 <= rows ? i0 : rows - 16;
		for (size_t j0 = 0; j0 < cols; j0 += 16) {
			size_t j = j0 + 16 <= cols ? j0 : cols - 16;
			for (int c = 0; c < 16; c++)
				d[c] = dst + (off ? off[j + c] : (j + c) * dst_stride) + i;
			block16(src + i * src_stride + j, src_stride, d, f);
		}
	}
}

#endif
