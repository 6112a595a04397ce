/* qs8-dwconv-64c-avx512vnni.c — depthwise convolution micro-kernel with 64 channels in the
 * vector lanes. A window row's taps at one output column, 4 at a time, are 4 loads of the 64
 * channels' inputs interleaved by two rounds of in-lane unpacks into dwords of 4 taps of one
 * channel; each input row's interleaved taps go to a ring of rows once and serve every
 * output row whose window covers it (3 of them for a 3x3 window at stride 1). vpdpbusd then
 * multiplies them by the 4 taps' weights; fp32 requantization with per-channel
 * multipliers. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define INLINE __attribute__((always_inline)) inline
/* Round half to even, without exceptions: the embedded rounding of the conversions. */
#define RN (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

/* Requantizes 16 accumulators with per-channel multipliers to int32. */
TARGET static INLINE __m512i requant(__m512i acc, __m512 mult, __m512 zp, __m512 lo, __m512 hi)
{
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), mult);
	f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm512_add_ps(f, zp);
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
	return _mm512_cvtps_epi32(f);
}

/* The output's clamp bounds as bytes, and the packing that goes with them. */
typedef struct bounds {
	__m512i lo, hi;
	int is_unsigned;
} bounds;

/* Requantizes 64 accumulators whose multipliers are in [0, 0.5] (so that every product fits
 * int32 without a clamp first) and stores them at y: the conversion rounds half to even as
 * the reference's fp32 steps do, the zero point is added in int32 (exact, the value being an
 * integer), and the packs' saturation then the bounds clamp the result as clamping first
 * would (both are monotone, the bounds within the type). */
TARGET static INLINE void finish_narrow(const eml_qdwc_args *a, __m512i c0, __m512i c1,
					__m512i c2, __m512i c3, __m512i zp, const bounds *bd,
					uint8_t *y)
{
	__m512 f0 = _mm512_mul_ps(_mm512_cvtepi32_ps(c0), _mm512_loadu_ps(a->mult));
	__m512 f1 = _mm512_mul_ps(_mm512_cvtepi32_ps(c1), _mm512_loadu_ps(a->mult + 16));
	__m512 f2 = _mm512_mul_ps(_mm512_cvtepi32_ps(c2), _mm512_loadu_ps(a->mult + 32));
	__m512 f3 = _mm512_mul_ps(_mm512_cvtepi32_ps(c3), _mm512_loadu_ps(a->mult + 48));
	__m512i r0 = _mm512_add_epi32(_mm512_cvt_roundps_epi32(f0, RN), zp);
	__m512i r1 = _mm512_add_epi32(_mm512_cvt_roundps_epi32(f1, RN), zp);
	__m512i r2 = _mm512_add_epi32(_mm512_cvt_roundps_epi32(f2, RN), zp);
	__m512i r3 = _mm512_add_epi32(_mm512_cvt_roundps_epi32(f3, RN), zp);
	/* in-lane packs restore the order: lane L holds channels 16L .. 16L + 15 */
	__m512i w01 = _mm512_packs_epi32(r0, r1), w23 = _mm512_packs_epi32(r2, r3);
	__m512i b;
	if (bd->is_unsigned) {
		b = _mm512_packus_epi16(w01, w23);
		b = _mm512_min_epu8(_mm512_max_epu8(b, bd->lo), bd->hi);
	} else {
		b = _mm512_packs_epi16(w01, w23);
		b = _mm512_min_epi8(_mm512_max_epi8(b, bd->lo), bd->hi);
	}
	_mm512_storeu_si512(y, b);
}

/* Output row oy of a 3x3 window without weight zero points and with narrow multipliers (the
 * common case: MobileNet's), the 12 weight vectors held in registers. */
TARGET static void out_row3(const eml_qdwc_args *a, const __m512i *const *rows, uint8_t *y)
{
	const __m512i *w = (const __m512i *)a->w;
	const __m512i w00 = _mm512_loadu_si512(w), w01 = _mm512_loadu_si512(w + 1);
	const __m512i w02 = _mm512_loadu_si512(w + 2), w03 = _mm512_loadu_si512(w + 3);
	const __m512i w10 = _mm512_loadu_si512(w + 4), w11 = _mm512_loadu_si512(w + 5);
	const __m512i w12 = _mm512_loadu_si512(w + 6), w13 = _mm512_loadu_si512(w + 7);
	const __m512i w20 = _mm512_loadu_si512(w + 8), w21 = _mm512_loadu_si512(w + 9);
	const __m512i w22 = _mm512_loadu_si512(w + 10), w23 = _mm512_loadu_si512(w + 11);
	const __m512i zp = _mm512_set1_epi32((int32_t)a->zp);
	bounds bd = { .is_unsigned = a->hi > 127.0f };
	bd.lo = _mm512_set1_epi8((char)(int32_t)a->lo);
	bd.hi = _mm512_set1_epi8((char)(int32_t)a->hi);
	const __m512i *r0 = rows[0], *r1 = rows[1], *r2 = rows[2];
	for (size_t ox = 0; ox < a->ow; ox++, y += 64, r0 += 4, r1 += 4, r2 += 4) {
		__m512i c0 = _mm512_loadu_si512(a->bias), c1 = _mm512_loadu_si512(a->bias + 16);
		__m512i c2 = _mm512_loadu_si512(a->bias + 32);
		__m512i c3 = _mm512_loadu_si512(a->bias + 48);
		c0 = _mm512_dpbusd_epi32(c0, _mm512_loadu_si512(r0), w00);
		c1 = _mm512_dpbusd_epi32(c1, _mm512_loadu_si512(r0 + 1), w01);
		c2 = _mm512_dpbusd_epi32(c2, _mm512_loadu_si512(r0 + 2), w02);
		c3 = _mm512_dpbusd_epi32(c3, _mm512_loadu_si512(r0 + 3), w03);
		c0 = _mm512_dpbusd_epi32(c0, _mm512_loadu_si512(r1), w10);
		c1 = _mm512_dpbusd_epi32(c1, _mm512_loadu_si512(r1 + 1), w11);
		c2 = _mm512_dpbusd_epi32(c2, _mm512_loadu_si512(r1 + 2), w12);
		c3 = _mm512_dpbusd_epi32(c3, _mm512_loadu_si512(r1 + 3), w13);
		c0 = _mm512_dpbusd_epi32(c0, _mm512_loadu_si512(r2), w20);
		c1 = _mm512_dpbusd_epi32(c1, _mm512_loadu_si512(r2 + 1), w21);
		c2 = _mm512_dpbusd_epi32(c2, _mm512_loadu_si512(r2 + 2), w22);
		c3 = _mm512_dpbusd_epi32(c3, _mm512_loadu_si512(r2 + 3), w23);
		finish_narrow(a, c0, c1, c2, c3, zp, &bd, y);
	}
}

/* Interleaves input row r's taps for every output column into dst: per column, gpr groups of
 * 4 vectors (the 4 taps' bytes of 16 channels per vector, lane order of eml_qdwc_lane), the
 * taps past kw repeating the last one (their weights are 0). */
TARGET static void interleave_row(const eml_qdwc_args *a, const uint8_t *row, uint32_t gpr,
				  __m512i *dst)
{
	size_t step = (size_t)a->sw * 64, tap = (size_t)a->dw * 64;
	for (size_t ox = 0; ox < a->ow; ox++) {
		const uint8_t *p = row + ox * step;
		for (uint32_t g = 0; g < gpr; g++, dst += 4) {
			uint32_t k = 4 * g, last = a->kw - 1;
			__m512i x0 = _mm512_loadu_si512(p + k * tap);
			__m512i x1 = _mm512_loadu_si512(p + (k + 1 <= last ? k + 1 : last) * tap);
			__m512i x2 = _mm512_loadu_si512(p + (k + 2 <= last ? k + 2 : last) * tap);
			__m512i x3 = _mm512_loadu_si512(p + (k + 3 <= last ? k + 3 : last) * tap);
			__m512i lo01 = _mm512_unpacklo_epi8(x0, x1);
			__m512i hi01 = _mm512_unpackhi_epi8(x0, x1);
			__m512i lo23 = _mm512_unpacklo_epi8(x2, x3);
			__m512i hi23 = _mm512_unpackhi_epi8(x2, x3);
			/* per 128-bit lane L: channels 16L + 0..3, 4..7, 8..11, 12..15 */
			_mm512_storeu_si512(dst, _mm512_unpacklo_epi16(lo01, lo23));
			_mm512_storeu_si512(dst + 1, _mm512_unpackhi_epi16(lo01, lo23));
			_mm512_storeu_si512(dst + 2, _mm512_unpacklo_epi16(hi01, hi23));
			_mm512_storeu_si512(dst + 3, _mm512_unpackhi_epi16(hi01, hi23));
		}
	}
}

/* Computes output row oy from the interleaved rows rows[ky] (kh rows of gpr groups per
 * column); always inlined so that the 3x3 case gets its loops unrolled and its 12 weight
 * vectors held in registers. */
TARGET static INLINE void out_row(const eml_qdwc_args *a, const __m512i *const *rows,
				  uint32_t kh, uint32_t gpr, const __m512i *ones, uint8_t *y)
{
	const __m512i *w = (const __m512i *)a->w;
	const __m512 zp = _mm512_set1_ps(a->zp), lo = _mm512_set1_ps(a->lo);
	const __m512 hi = _mm512_set1_ps(a->hi);
	const int out_unsigned = a->hi > 127.0f;
	for (size_t ox = 0; ox < a->ow; ox++, y += 64) {
		__m512i c0 = _mm512_loadu_si512(a->bias), c1 = _mm512_loadu_si512(a->bias + 16);
		__m512i c2 = _mm512_loadu_si512(a->bias + 32);
		__m512i c3 = _mm512_loadu_si512(a->bias + 48);
		__m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
		for (uint32_t ky = 0; ky < kh; ky++) {
			const __m512i *v = rows[ky] + ox * gpr * 4;
			for (uint32_t g = 0; g < gpr; g++, v += 4) {
				const __m512i *wg = w + (ky * gpr + g) * 4;
				__m512i v0 = _mm512_loadu_si512(v);
				__m512i v1 = _mm512_loadu_si512(v + 1);
				__m512i v2 = _mm512_loadu_si512(v + 2);
				__m512i v3 = _mm512_loadu_si512(v + 3);
				c0 = _mm512_dpbusd_epi32(c0, v0, _mm512_loadu_si512(wg));
				c1 = _mm512_dpbusd_epi32(c1, v1, _mm512_loadu_si512(wg + 1));
				c2 = _mm512_dpbusd_epi32(c2, v2, _mm512_loadu_si512(wg + 2));
				c3 = _mm512_dpbusd_epi32(c3, v3, _mm512_loadu_si512(wg + 3));
				if (a->wzp) {
					s0 = _mm512_dpbusd_epi32(s0, v0, ones[g]);
					s1 = _mm512_dpbusd_epi32(s1, v1, ones[g]);
					s2 = _mm512_dpbusd_epi32(s2, v2, ones[g]);
					s3 = _mm512_dpbusd_epi32(s3, v3, ones[g]);
				}
			}
		}
		if (a->wzp) {
			const int32_t *z = a->wzp;
			__m512i z0 = _mm512_loadu_si512(z), z1 = _mm512_loadu_si512(z + 16);
			__m512i z2 = _mm512_loadu_si512(z + 32), z3 = _mm512_loadu_si512(z + 48);
			c0 = _mm512_sub_epi32(c0, _mm512_mullo_epi32(z0, s0));
			c1 = _mm512_sub_epi32(c1, _mm512_mullo_epi32(z1, s1));
			c2 = _mm512_sub_epi32(c2, _mm512_mullo_epi32(z2, s2));
			c3 = _mm512_sub_epi32(c3, _mm512_mullo_epi32(z3, s3));
		}
		__m512i r0 = requant(c0, _mm512_loadu_ps(a->mult), zp, lo, hi);
		__m512i r1 = requant(c1, _mm512_loadu_ps(a->mult + 16), zp, lo, hi);
		__m512i r2 = requant(c2, _mm512_loadu_ps(a->mult + 32), zp, lo, hi);
		__m512i r3 = requant(c3, _mm512_loadu_ps(a->mult + 48), zp, lo, hi);
		/* in-lane packs restore the order: lane L holds channels 16L .. 16L + 15 */
		__m512i w01 = _mm512_packs_epi32(r0, r1), w23 = _mm512_packs_epi32(r2, r3);
		__m512i b = out_unsigned ? _mm512_packus_epi16(w01, w23) :
					   _mm512_packs_epi16(w01, w23);
		_mm512_storeu_si512(y, b);
	}
}

/* See eml_qdwc_args. */
void TARGET eml_qs8_dwconv_64c_avx512vnni(const eml_qdwc_args *a)
{
	const uint32_t gpr = (a->kw + 3) / 4, span = (a->kh - 1) * a->dh + 1;
	const size_t slot = a->ow * gpr * 4;
	__m512i ones[16];
	for (uint32_t g = 0; g < gpr; g++) {
		int32_t one = 0;
		for (uint32_t t = 4 * g; t < 4 * g + 4 && t < a->kw; t++)
			one |= 1 << (8 * (t - 4 * g));
		ones[g] = _mm512_set1_epi32(one);
	}
	/* which input row each ring slot holds (a row index past the plane: none yet) */
	size_t held[EML_QDWC_SPAN_MAX];
	for (uint32_t i = 0; i < span; i++)
		held[i] = (size_t)-1;
	__m512i *ring = (__m512i *)a->ring;
	const __m512i *rows[EML_QDWC_SPAN_MAX];
	for (size_t oy = 0; oy < a->oh; oy++) {
		for (uint32_t ky = 0; ky < a->kh; ky++) {
			size_t r = oy * a->sh + (size_t)ky * a->dh, s = r % span;
			if (held[s] != r) {
				interleave_row(a, a->x + r * a->pitch, gpr, ring + s * slot);
				held[s] = r;
			}
			rows[ky] = ring + s * slot;
		}
		uint8_t *y = a->y + oy * a->ow * 64;
		if (a->kh == 3 && gpr == 1 && !a->wzp && a->narrow)
			out_row3(a, rows, y);
		else
			out_row(a, rows, a->kh, gpr, ones, y);
	}
}

#endif
