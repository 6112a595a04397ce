/* qs8-dwconv-64x-avx512vnni.c — depthwise convolution micro-kernel: 64 consecutive outputs
 * of one channel per step, taps in groups of 4 (the 4 taps' inputs interleaved per output,
 * then vpdpbusd against the 4 weights), fp32 requantization. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

/* The most taps the kernel takes (eml_qdw_args.taps). */
#define MAX_TAPS 64

/* Requantizes 16 accumulators (minus wzp times the window sums when wzp) to int32. */
TARGET static inline __m512i requant(__m512i acc, __m512i sum, __m512i wzp, __m512 mult,
				     __m512 zp, __m512 lo, __m512 hi)
{
	acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(wzp, sum));
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), mult);
	f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm512_add_ps(f, zp);
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
	return _mm512_cvtps_epi32(f);
}

/* See eml_qdw_fn. */
void TARGET eml_qs8_dwconv_64x_avx512vnni(const eml_qdw_args *a)
{
	const uint32_t groups = (a->taps + 3) / 4;
	__m512i wv[MAX_TAPS / 4], ones[MAX_TAPS / 4];
	for (uint32_t g = 0; g < groups; g++) {
		int32_t v, one = 0;
		memcpy(&v, a->w + 4 * g, 4);
		for (uint32_t t = 4 * g; t < 4 * g + 4 && t < a->taps; t++)
			one |= 1 << (8 * (t - 4 * g));
		wv[g] = _mm512_set1_epi32(v);
		ones[g] = _mm512_set1_epi32(one);
	}
	const __m512i bias = _mm512_set1_epi32(a->bias), wzp = _mm512_set1_epi32(a->wzp);
	const __m512 mult = _mm512_set1_ps(a->mult), zp = _mm512_set1_ps(a->zp);
	const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
	const int wide = a->hi > 127.0f; /* uint8 outputs: pack unsigned */
	for (size_t i = 0; i < a->n; i += 64) {
		__m512i c0 = bias, c1 = bias, c2 = bias, c3 = bias;
		__m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
		for (uint32_t g = 0; g < groups; g++) {
			uint32_t t = 4 * g, last = a->taps - 1;
			const uint8_t *p0 = a->x[t], *p1 = a->x[t + 1 <= last ? t + 1 : last];
			const uint8_t *p2 = a->x[t + 2 <= last ? t + 2 : last];
			const uint8_t *p3 = a->x[t + 3 <= last ? t + 3 : last];
			__m512i x0 = _mm512_loadu_si512(p0 + i), x1 = _mm512_loadu_si512(p1 + i);
			__m512i x2 = _mm512_loadu_si512(p2 + i), x3 = _mm512_loadu_si512(p3 + i);
			__m512i lo01 = _mm512_unpacklo_epi8(x0, x1);
			__m512i hi01 = _mm512_unpackhi_epi8(x0, x1);
			__m512i lo23 = _mm512_unpacklo_epi8(x2, x3);
			__m512i hi23 = _mm512_unpackhi_epi8(x2, x3);
			/* per 128-bit lane L: outputs 16L + 0..3, 4..7, 8..11, 12..15 */
			__m512i v0 = _mm512_unpacklo_epi16(lo01, lo23);
			__m512i v1 = _mm512_unpackhi_epi16(lo01, lo23);
			__m512i v2 = _mm512_unpacklo_epi16(hi01, hi23);
			__m512i v3 = _mm512_unpackhi_epi16(hi01, hi23);
			c0 = _mm512_dpbusd_epi32(c0, v0, wv[g]);
			c1 = _mm512_dpbusd_epi32(c1, v1, wv[g]);
			c2 = _mm512_dpbusd_epi32(c2, v2, wv[g]);
			c3 = _mm512_dpbusd_epi32(c3, v3, wv[g]);
			if (a->wzp) {
				s0 = _mm512_dpbusd_epi32(s0, v0, ones[g]);
				s1 = _mm512_dpbusd_epi32(s1, v1, ones[g]);
				s2 = _mm512_dpbusd_epi32(s2, v2, ones[g]);
				s3 = _mm512_dpbusd_epi32(s3, v3, ones[g]);
			}
		}
		__m512i r0 = requant(c0, s0, wzp, mult, zp, lo, hi);
		__m512i r1 = requant(c1, s1, wzp, mult, zp, lo, hi);
		__m512i r2 = requant(c2, s2, wzp, mult, zp, lo, hi);
		__m512i r3 = requant(c3, s3, wzp, mult, zp, lo, hi);
		/* in-lane packs restore the order: lane L holds outputs 16L .. 16L + 15 */
		__m512i w01 = _mm512_packs_epi32(r0, r1), w23 = _mm512_packs_epi32(r2, r3);
		__m512i b = wide ? _mm512_packus_epi16(w01, w23) : _mm512_packs_epi16(w01, w23);
		/* plain stores where they can be: a masked one keeps the next layer's loads from
		 * being forwarded from the store buffer */
		size_t left = a->n - i;
		if (left >= 64)
			_mm512_storeu_si512(a->y + i, b);
		else
			_mm512_mask_storeu_epi8(a->y + i, ((__mmask64)1 << left) - 1, b);
	}
}

#endif
