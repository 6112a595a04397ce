/* qs8-dwconv-16x-avx2.c — depthwise convolution micro-kernel: 16 consecutive outputs of one
 * channel per step, taps in pairs (inputs widened to int16 and interleaved, then vpmaddwd
 * against the 2 weights), fp32 requantization. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* The most taps the kernel takes (eml_qdw_args.taps). */
#define MAX_TAPS 64

/* Requantizes 8 accumulators (minus wzp times the window sums when wzp) to int32. */
TARGET static inline __m256i requant(__m256i acc, __m256i sum, __m256i wzp, __m256 mult,
				     __m256 zp, __m256 lo, __m256 hi)
{
	acc = _mm256_sub_epi32(acc, _mm256_mullo_epi32(wzp, sum));
	__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), mult);
	f = _mm256_round_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm256_add_ps(f, zp);
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm256_min_ps(_mm256_max_ps(f, lo), hi);
	return _mm256_cvtps_epi32(f);
}

/* See eml_qdw_fn. */
void TARGET eml_qs8_dwconv_16x_avx2(const eml_qdw_args *a)
{
	const uint32_t pairs = (a->taps + 1) / 2;
	__m256i wv[MAX_TAPS / 2], ones[MAX_TAPS / 2];
	for (uint32_t g = 0; g < pairs; g++) {
		int32_t w0 = a->w[2 * g], w1 = 2 * g + 1 < a->taps ? a->w[2 * g + 1] : 0;
		int32_t one = 2 * g + 1 < a->taps ? 0x10001 : 1;
		wv[g] = _mm256_set1_epi32((int32_t)(((uint32_t)w1 << 16) | (uint16_t)w0));
		ones[g] = _mm256_set1_epi32(one);
	}
	const __m256i bias = _mm256_set1_epi32(a->bias), wzp = _mm256_set1_epi32(a->wzp);
	const __m256 mult = _mm256_set1_ps(a->mult), zp = _mm256_set1_ps(a->zp);
	const __m256 lo = _mm256_set1_ps(a->lo), hi = _mm256_set1_ps(a->hi);
	const int wide = a->hi > 127.0f; /* uint8 outputs: pack unsigned */
	for (size_t i = 0; i < a->n; i += 16) {
		__m256i c0 = bias, c1 = bias, s0 = _mm256_setzero_si256(), s1 = s0;
		for (uint32_t g = 0; g < pairs; g++) {
			const uint8_t *p0 = a->x[2 * g];
			const uint8_t *p1 = a->x[2 * g + 1 < a->taps ? 2 * g + 1 : 2 * g];
			__m128i b0 = _mm_loadu_si128((const __m128i *)(p0 + i));
			__m128i b1 = _mm_loadu_si128((const __m128i *)(p1 + i));
			__m256i x0 = _mm256_cvtepu8_epi16(b0), x1 = _mm256_cvtepu8_epi16(b1);
			/* per 128-bit lane L: outputs 8L + 0..3 and 8L + 4..7 */
			__m256i v0 = _mm256_unpacklo_epi16(x0, x1);
			__m256i v1 = _mm256_unpackhi_epi16(x0, x1);
			c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(v0, wv[g]));
			c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(v1, wv[g]));
			if (a->wzp) {
				s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(v0, ones[g]));
				s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(v1, ones[g]));
			}
		}
		__m256i r0 = requant(c0, s0, wzp, mult, zp, lo, hi);
		__m256i r1 = requant(c1, s1, wzp, mult, zp, lo, hi);
		__m256i w = _mm256_packs_epi32(r0, r1); /* lane L: outputs 8L .. 8L + 7 */
		__m256i b = wide ? _mm256_packus_epi16(w, w) : _mm256_packs_epi16(w, w);
		__m128i out = _mm256_castsi256_si128(_mm256_permute4x64_epi64(b, 0x08));
		size_t left = a->n - i;
		if (left >= 16) {
			_mm_storeu_si128((__m128i *)(a->y + i), out);
		} else {
			uint8_t tmp[16];
			_mm_storeu_si128((__m128i *)tmp, out);
			memcpy(a->y + i, tmp, left);
		}
	}
}

#endif
