/* qs8-dwconv-64x-avx512vnni.c — depthwise convolution micro-kernel: 64 consecutive outputs
 * of one channel per step, taps in groups of 4 (the 4 taps' inputs interleaved per output,
 * then vpdpbusd against the 4 weights), or, for windows 3 wide at stride 1, in rows of 3
 * read as overlapping dwords; fp32 requantization. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

/* The most taps the kernel takes (eml_qdw_args.taps). */
#define MAX_TAPS 64

/* Requantizes 16 accumulators (minus wzp times the window sums when has_wzp: the multiply is
 * two uops on the port the rest of the requantization also needs) to int32. */
TARGET static inline __m512i requant(__m512i acc, __m512i sum, int has_wzp, __m512i wzp,
				     __m512 mult, __m512 zp, __m512 lo, __m512 hi)
{
	if (has_wzp)
		acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(wzp, sum));
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), mult);
	f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm512_add_ps(f, zp);
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
	return _mm512_cvtps_epi32(f);
}

/* Requantizes 16 accumulators (minus wzp times the window sums when has_wzp) whose
 * multiplier is in [0, 0.5], so that no product needs clamping before the conversion: that
 * rounds half to even as the reference's fp32 steps do, and the zero point is added in int32
 * (exact, the value being an integer); the packs' saturation and the bounds clamp of the
 * packed bytes (finish64) then give what clamping first would. */
TARGET static inline __m512i requant_narrow(__m512i acc, __m512i sum, int has_wzp, __m512i wzp,
					    __m512 mult, __m512i zp)
{
	if (has_wzp)
		acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(wzp, sum));
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), mult);
	return _mm512_add_epi32(
		_mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp);
}

/* Requantizes, packs and stores 64 outputs at y, of which left are valid. */
TARGET static inline __attribute__((always_inline)) void
finish64(const eml_qdw_args *a, __m512i c0, __m512i c1, __m512i c2, __m512i c3, __m512i s0,
	 __m512i s1, __m512i s2, __m512i s3, uint8_t *y, size_t left)
{
	const __m512i wzp = _mm512_set1_epi32(a->wzp);
	const __m512 mult = _mm512_set1_ps(a->mult), zp = _mm512_set1_ps(a->zp);
	const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
	int has_wzp = a->wzp != 0, is_unsigned = a->hi > 127.0f;
	__m512i r0, r1, r2, r3, b;
	if (a->mult >= 0.0f && a->mult <= 0.5f) {
		const __m512i zi = _mm512_set1_epi32((int32_t)a->zp);
		r0 = requant_narrow(c0, s0, has_wzp, wzp, mult, zi);
		r1 = requant_narrow(c1, s1, has_wzp, wzp, mult, zi);
		r2 = requant_narrow(c2, s2, has_wzp, wzp, mult, zi);
		r3 = requant_narrow(c3, s3, has_wzp, wzp, mult, zi);
		__m512i w01 = _mm512_packs_epi32(r0, r1), w23 = _mm512_packs_epi32(r2, r3);
		const __m512i blo = _mm512_set1_epi8((char)(int32_t)a->lo);
		const __m512i bhi = _mm512_set1_epi8((char)(int32_t)a->hi);
		if (is_unsigned)
			b = _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(w01, w23), blo),
					    bhi);
		else
			b = _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(w01, w23), blo),
					    bhi);
	} else {
		r0 = requant(c0, s0, has_wzp, wzp, mult, zp, lo, hi);
		r1 = requant(c1, s1, has_wzp, wzp, mult, zp, lo, hi);
		r2 = requant(c2, s2, has_wzp, wzp, mult, zp, lo, hi);
		r3 = requant(c3, s3, has_wzp, wzp, mult, zp, lo, hi);
		/* in-lane packs restore the order: lane L holds outputs 16L .. 16L + 15 */
		__m512i w01 = _mm512_packs_epi32(r0, r1), w23 = _mm512_packs_epi32(r2, r3);
		/* uint8 outputs (hi above 127) pack unsigned */
		b = is_unsigned ? _mm512_packus_epi16(w01, w23) : _mm512_packs_epi16(w01, w23);
	}
	/* plain stores where they can be: a masked one keeps the next layer's loads from
	 * being forwarded from the store buffer */
	if (left >= 64)
		_mm512_storeu_si512(y, b);
	else
		_mm512_mask_storeu_epi8(y, ((__mmask64)1 << left) - 1, b);
}

/* Whether the taps come in runs of 3 consecutive bytes (a 3-wide window at stride and
 * dilation 1 in the plane): each run is then one dword per output, 4 in-lane byte shuffles
 * per 64 outputs instead of 8 per 4 taps. */
static int taps_in_rows3(const eml_qdw_args *a)
{
	if (a->taps % 3 || a->taps > MAX_TAPS)
		return 0;
	for (uint32_t t = 0; t < a->taps; t += 3)
		if (a->x[t + 1] != a->x[t] + 1 || a->x[t + 2] != a->x[t] + 2)
			return 0;
	return 1;
}

/* The kernel for taps in runs of 3: output j's dword of run r is bytes j .. j + 3 of its row
 * (the 4th weight 0), gathered by vpshufb from two loads 8 bytes apart. */
TARGET static void dw_rows3(const eml_qdw_args *a)
{
	const uint32_t rows = a->taps / 3;
	__m512i wv[MAX_TAPS / 3];
	for (uint32_t r = 0; r < rows; r++) {
		const int8_t *w = a->w + 3 * r;
		uint32_t v = (uint32_t)(uint8_t)w[0] | (uint32_t)(uint8_t)w[1] << 8 |
			     (uint32_t)(uint8_t)w[2] << 16;
		wv[r] = _mm512_set1_epi32((int32_t)v);
	}
	/* per lane, dword j of the low table: bytes j .. j + 3; of the high one: 4 + j .. */
	const __m512i t_lo = _mm512_broadcast_i32x4(
		_mm_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6));
	const __m512i t_hi = _mm512_broadcast_i32x4(
		_mm_setr_epi8(4, 5, 6, 7, 5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10));
	const __m512i ones = _mm512_set1_epi32(0x010101), bias = _mm512_set1_epi32(a->bias);
	for (size_t i = 0; i < a->n; i += 64) {
		__m512i c0 = bias, c1 = bias, c2 = bias, c3 = bias;
		__m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
		for (uint32_t r = 0; r < rows; r++) {
			const uint8_t *p = a->x[3 * r] + i;
			__m512i xa = _mm512_loadu_si512(p), xb = _mm512_loadu_si512(p + 8);
			/* lane L: outputs 16L + 0..3, 4..7 from xa; 8..11, 12..15 from xb */
			__m512i v0 = _mm512_shuffle_epi8(xa, t_lo);
			__m512i v1 = _mm512_shuffle_epi8(xa, t_hi);
			__m512i v2 = _mm512_shuffle_epi8(xb, t_lo);
			__m512i v3 = _mm512_shuffle_epi8(xb, t_hi);
			c0 = _mm512_dpbusd_epi32(c0, v0, wv[r]);
			c1 = _mm512_dpbusd_epi32(c1, v1, wv[r]);
			c2 = _mm512_dpbusd_epi32(c2, v2, wv[r]);
			c3 = _mm512_dpbusd_epi32(c3, v3, wv[r]);
			if (a->wzp) {
				s0 = _mm512_dpbusd_epi32(s0, v0, ones);
				s1 = _mm512_dpbusd_epi32(s1, v1, ones);
				s2 = _mm512_dpbusd_epi32(s2, v2, ones);
				s3 = _mm512_dpbusd_epi32(s3, v3, ones);
			}
		}
		finish64(a, c0, c1, c2, c3, s0, s1, s2, s3, a->y + i, a->n - i);
	}
}

/* See eml_qdw_fn. */
void TARGET eml_qs8_dwconv_64x_avx512vnni(const eml_qdw_args *a)
{
	if (taps_in_rows3(a)) {
		dw_rows3(a);
		return;
	}
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
	const __m512i bias = _mm512_set1_epi32(a->bias);
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
		finish64(a, c0, c1, c2, c3, s0, s1, s2, s3, a->y + i, a->n - i);
	}
}

#endif
