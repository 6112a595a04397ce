/* f32-transpose-16x16-avx512f.c — a 16 x 16 block of floats moved across in registers
 * (unpacks, then in-lane and 128-bit-lane shuffles), for the channels-in-lanes depthwise
 * convolution's interleaving of channel planes and back. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* See eml_f32_transpose_fn. */
void __attribute__((target("avx512f")))
eml_f32_transpose_16x16_avx512f(const float *src, size_t stride, float *dst, const size_t *off)
{
	__m512 r[16], t[16], u[16];
	for (int i = 0; i < 16; i++)
		r[i] = _mm512_loadu_ps(src + i * stride);
	/* per 128-bit lane L: t[2i] = rows 2i, 2i+1 of columns 4L, 4L+1; t[2i+1] of 4L+2, 4L+3 */
	for (int i = 0; i < 8; i++) {
		t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
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
		_mm512_storeu_ps(dst + off[k], _mm512_shuffle_f32x4(v0, v2, 0x88));
		_mm512_storeu_ps(dst + off[k + 8], _mm512_shuffle_f32x4(v0, v2, 0xdd));
		_mm512_storeu_ps(dst + off[k + 4], _mm512_shuffle_f32x4(v1, v3, 0x88));
		_mm512_storeu_ps(dst + off[k + 12], _mm512_shuffle_f32x4(v1, v3, 0xdd));
	}
}

#endif
