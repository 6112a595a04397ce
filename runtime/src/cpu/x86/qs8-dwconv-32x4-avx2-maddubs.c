/* qs8-dwconv-32x4-avx2-maddubs.c — depthwise convolution micro-kernel: 32 consecutive outputs
 * of one channel per step, taps in groups of 4 (the 4 inputs of each output interleaved into
 * one dword, then vpmaddubsw against the 4 weights and vpmaddwd against ones), fp32
 * requantization.
 *
 * Exact only for taps whose pairs (2i, 2i + 1) fit vpmaddubsw's int16 sums of uint8 inputs
 * (positive and negative parts each at most 128, eml_w_pairs_fit): the operator checks that
 * at prepare and takes the vpmaddwd kernel otherwise. A channel whose weight zero point is
 * not 0 goes to the vpmaddwd kernel too (it sums each window besides). */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* The most taps the kernel takes (eml_qdw_args.taps). */
#define MAX_TAPS 64

/* See eml_qdw_fn. */
void TARGET eml_qs8_dwconv_32x4_avx2_maddubs(const eml_qdw_args *a)
{
	if (a->wzp) {
		eml_qs8_dwconv_16x_avx2(a);
		return;
	}
	const uint32_t groups = (a->taps + 3) / 4;
	const uint8_t *x[MAX_TAPS];
	__m256i wv[MAX_TAPS / 4];
	for (uint32_t t = 0; t < 4 * groups; t++)
		x[t] = a->x[t < a->taps ? t : 0]; /* padding taps: weight 0 (pack.h) */
	for (uint32_t g = 0; g < groups; g++) {
		int32_t v;
		memcpy(&v, a->w + 4 * g, 4);
		wv[g] = _mm256_set1_epi32(v);
	}
	const __m256i ones = _mm256_set1_epi16(1), bias = _mm256_set1_epi32(a->bias);
	const __m256 mult = _mm256_set1_ps(a->mult);
	/* clamp before rounding, zero point after the pack: exact, as in the GEMM kernel */
	const __m256 lo = _mm256_set1_ps(a->lo - a->zp), hi = _mm256_set1_ps(a->hi - a->zp);
	const __m256i zp = _mm256_set1_epi16((int16_t)a->zp);
	const int wide = a->hi > 127.0f; /* uint8 outputs: pack unsigned */
	for (size_t i = 0; i < a->n; i += 32) {
		/* c0: outputs 0-3 | 16-19, c1: 4-7 | 20-23, c2: 8-11 | 24-27, c3: 12-15 | 28-31 */
		__m256i c0 = bias, c1 = bias, c2 = bias, c3 = bias;
		for (uint32_t g = 0; g < groups; g++) {
			const uint8_t *const *p = x + 4 * g;
			__m256i b0 = _mm256_loadu_si256((const __m256i *)(p[0] + i));
			__m256i b1 = _mm256_loadu_si256((const __m256i *)(p[1] + i));
			__m256i b2 = _mm256_loadu_si256((const __m256i *)(p[2] + i));
			__m256i b3 = _mm256_loadu_si256((const __m256i *)(p[3] + i));
			__m256i l01 = _mm256_unpacklo_epi8(b0, b1), h01 = _mm256_unpackhi_epi8(b0, b1);
			__m256i l23 = _mm256_unpacklo_epi8(b2, b3), h23 = _mm256_unpackhi_epi8(b2, b3);
			__m256i w = wv[g];
			c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(_mm256_maddubs_epi16(
						      _mm256_unpacklo_epi16(l01, l23), w), ones));
			c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(_mm256_maddubs_epi16(
						      _mm256_unpackhi_epi16(l01, l23), w), ones));
			c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(_mm256_maddubs_epi16(
						      _mm256_unpacklo_epi16(h01, h23), w), ones));
			c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(_mm256_maddubs_epi16(
						      _mm256_unpackhi_epi16(h01, h23), w), ones));
		}
		__m256i r[4];
		const __m256i c[4] = { c0, c1, c2, c3 };
		for (int k = 0; k < 4; k++) {
			__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(c[k]), mult);
			/* max/min return their second operand for a NaN: NaN goes to lo */
			r[k] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, lo), hi));
		}
		/* int16: outputs 0-7 | 16-23 and 8-15 | 24-31; bytes: 0-15 | 16-31, in order */
		__m256i p01 = _mm256_add_epi16(_mm256_packs_epi32(r[0], r[1]), zp);
		__m256i p23 = _mm256_add_epi16(_mm256_packs_epi32(r[2], r[3]), zp);
		__m256i b = wide ? _mm256_packus_epi16(p01, p23) : _mm256_packs_epi16(p01, p23);
		size_t left = a->n - i;
		if (left >= 32) {
			_mm256_storeu_si256((__m256i *)(a->y + i), b);
		} else {
			uint8_t tmp[32];
			_mm256_storeu_si256((__m256i *)tmp, b);
			memcpy(a->y + i, tmp, left);
		}
	}
}

#endif
