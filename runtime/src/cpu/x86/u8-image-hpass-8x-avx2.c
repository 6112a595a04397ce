/* u8-image-hpass-8x-avx2.c — ImagePreprocess's horizontal pass for NV12 and YUYV, 8 output
 * columns at a time: one 4-byte gather brings both source pixels' luma (NV12: Y[x0..x0+3];
 * YUYV: a Y U Y V pair per source column) and one their chroma, the BT.601 rule of
 * image_params.h runs on 32-bit lanes, and vpmaddwd mixes the two pixels with their weights.
 * The same integer operations as the reference, so the same sums. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/image_ukernels.h"
#include "ops/image_params.h"

#define AVX2 __attribute__((target("avx2")))

/* One channel's value: (yy + half + cu * u + cv * v) >> 20, saturated to 0..255. */
static inline AVX2 __m256i channel(__m256i yy, __m256i u, __m256i v, int cu, int cv)
{
	__m256i s = _mm256_add_epi32(yy, _mm256_set1_epi32(1 << (EML_YUV_SHIFT - 1)));
	if (cu)
		s = _mm256_add_epi32(s, _mm256_mullo_epi32(u, _mm256_set1_epi32(cu)));
	if (cv)
		s = _mm256_add_epi32(s, _mm256_mullo_epi32(v, _mm256_set1_epi32(cv)));
	s = _mm256_srai_epi32(s, EML_YUV_SHIFT);
	return _mm256_min_epi32(_mm256_max_epi32(s, _mm256_setzero_si256()),
				_mm256_set1_epi32(255));
}

/* R, G, B of 8 pixels from their Y, U, V bytes (in the low byte of each lane). */
static inline AVX2 void to_rgb(__m256i y, __m256i u, __m256i v, __m256i rgb[3])
{
	__m256i yy = _mm256_max_epi32(_mm256_sub_epi32(y, _mm256_set1_epi32(16)),
				      _mm256_setzero_si256());
	yy = _mm256_mullo_epi32(yy, _mm256_set1_epi32(EML_YUV_CY));
	u = _mm256_sub_epi32(u, _mm256_set1_epi32(128));
	v = _mm256_sub_epi32(v, _mm256_set1_epi32(128));
	rgb[0] = channel(yy, u, v, 0, EML_YUV_CVR);
	rgb[1] = channel(yy, u, v, EML_YUV_CUG, EML_YUV_CVG);
	rgb[2] = channel(yy, u, v, EML_YUV_CUB, 0);
}

void AVX2 eml_u8_image_hpass_8x_avx2(const eml_image_hpass_args *a)
{
	const __m256i lo8 = _mm256_set1_epi32(0xff), one = _mm256_set1_epi32(1);
	const __m256i even = _mm256_set1_epi32(~1);
	const int *row = (const int *)(const void *)a->row;
	const int *uvrow = (const int *)(const void *)a->uv;
	for (size_t i = 0; i + 8 <= a->n; i += 8) {
		__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(a->x0 + i));
		__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(a->x1 + i));
		__m256i w = _mm256_loadu_si256((const __m256i *)(const void *)(a->w + i));
		__m256i y0, y1, u0, u1, v0, v1;
		if (a->format == EML_IMAGE_NV12) {
			__m256i gy = _mm256_i32gather_epi32(row, x0, 1);
			__m256i dy = _mm256_slli_epi32(_mm256_sub_epi32(x1, x0), 3);
			y0 = _mm256_and_si256(gy, lo8);
			y1 = _mm256_and_si256(_mm256_srlv_epi32(gy, dy), lo8);
			__m256i guv = _mm256_i32gather_epi32(uvrow, _mm256_and_si256(x0, even), 1);
			__m256i pairs =
				_mm256_sub_epi32(_mm256_srli_epi32(x1, 1), _mm256_srli_epi32(x0, 1));
			__m256i duv = _mm256_slli_epi32(pairs, 4);
			__m256i guv1 = _mm256_srlv_epi32(guv, duv);
			u0 = _mm256_and_si256(guv, lo8);
			v0 = _mm256_and_si256(_mm256_srli_epi32(guv, 8), lo8);
			u1 = _mm256_and_si256(guv1, lo8);
			v1 = _mm256_and_si256(_mm256_srli_epi32(guv1, 8), lo8);
		} else {
			__m256i g0 = _mm256_i32gather_epi32(
				row, _mm256_slli_epi32(_mm256_and_si256(x0, even), 1), 1);
			__m256i g1 = _mm256_i32gather_epi32(
				row, _mm256_slli_epi32(_mm256_and_si256(x1, even), 1), 1);
			__m256i odd0 = _mm256_slli_epi32(_mm256_and_si256(x0, one), 4);
			__m256i odd1 = _mm256_slli_epi32(_mm256_and_si256(x1, one), 4);
			y0 = _mm256_and_si256(_mm256_srlv_epi32(g0, odd0), lo8);
			y1 = _mm256_and_si256(_mm256_srlv_epi32(g1, odd1), lo8);
			u0 = _mm256_and_si256(_mm256_srli_epi32(g0, 8), lo8);
			v0 = _mm256_srli_epi32(g0, 24);
			u1 = _mm256_and_si256(_mm256_srli_epi32(g1, 8), lo8);
			v1 = _mm256_srli_epi32(g1, 24);
		}
		__m256i p0[3], p1[3];
		to_rgb(y0, u0, v0, p0);
		to_rgb(y1, u1, v1, p1);
		for (int c = 0; c < 3; c++) {
			/* pixel 0 in the low 16 bits, pixel 1 in the high: p0 * w0 + p1 * w1 */
			__m256i pair = _mm256_or_si256(p0[c], _mm256_slli_epi32(p1[c], 16));
			_mm256_storeu_si256((__m256i *)(void *)(a->s[c] + i),
					    _mm256_madd_epi16(pair, w));
		}
	}
}

#endif
