/* qs8-dwconv-64c-avx2-maddubs.c — depthwise convolution micro-kernel with 64 channels in the
 * vector lanes for AVX2, the sibling of qs8-dwconv-64c-avx512vnni (same tile, weights and
 * lane order, pack.h): a block is two halves of 32 channels, each 4 vectors of 8 channels by
 * 4 taps. A window row's taps at one output column, 4 at a time, are interleaved by two rounds
 * of in-lane unpacks into dwords of 4 taps of one channel, once per input row into a ring that
 * serves every output row whose window covers it. Where every weight pair of a vector of 8
 * channels by 4 taps fits int16 (eml_qdwc_args.pairs_fit, .wide) vpmaddubsw + vpmaddwd
 * multiply them exactly; otherwise its taps are widened to int16 for vpmaddwd. Requantization as in the other AVX2 kernels: clamp to
 * [lo - zp, hi - zp] before rounding, the zero point added after the 16-bit pack (exact,
 * docs/cpu-kernels.md). */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2,fma")))
#define INLINE __attribute__((always_inline)) inline

/* The requantization constants of a call. */
typedef struct rq {
	__m256 lo, hi;
	__m256i zp;
	int is_unsigned;
} rq;

/* Requantizes the 32 channels of half h (accumulators c0..c3: vectors (j, h) of the lane
 * order) and stores them in channel order at y: in-lane packs restore it, as in the AVX-512
 * kernel (lane L of half h holds channels 32 h + 16 L .. + 15). */
TARGET static INLINE void finish(const eml_qdwc_args *a, uint32_t h, __m256i c0, __m256i c1,
				 __m256i c2, __m256i c3, const rq *q, uint8_t *y)
{
	const float *m = a->mult + 8 * h;
	/* max/min return their second operand for a NaN: NaN goes to lo */
	__m256 f0 = _mm256_mul_ps(_mm256_cvtepi32_ps(c0), _mm256_loadu_ps(m));
	__m256 f1 = _mm256_mul_ps(_mm256_cvtepi32_ps(c1), _mm256_loadu_ps(m + 16));
	__m256 f2 = _mm256_mul_ps(_mm256_cvtepi32_ps(c2), _mm256_loadu_ps(m + 32));
	__m256 f3 = _mm256_mul_ps(_mm256_cvtepi32_ps(c3), _mm256_loadu_ps(m + 48));
	__m256i r0 = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f0, q->lo), q->hi));
	__m256i r1 = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f1, q->lo), q->hi));
	__m256i r2 = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f2, q->lo), q->hi));
	__m256i r3 = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f3, q->lo), q->hi));
	__m256i p01 = _mm256_add_epi16(_mm256_packs_epi32(r0, r1), q->zp);
	__m256i p23 = _mm256_add_epi16(_mm256_packs_epi32(r2, r3), q->zp);
	__m256i b = q->is_unsigned ? _mm256_packus_epi16(p01, p23) : _mm256_packs_epi16(p01, p23);
	_mm256_storeu_si256((__m256i *)y, b);
}

/* c + the sums of x's 4 taps times w's per dword, with vpmaddubsw (exact: the pair fits). */
TARGET static INLINE __m256i dot4(__m256i c, __m256i x, __m256i w)
{
	return _mm256_add_epi32(c, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w),
						     _mm256_set1_epi16(1)));
}

/* c + the sums of x's 4 taps times w's, x widened to int16 for vpmaddwd: wl, wh are w's low
 * and high bytes' unpacks as int16; vphaddd adds the two pairs of each channel, leaving the
 * channels in order within each 128-bit lane. */
TARGET static INLINE __m256i dot4_wide(__m256i c, __m256i x, const __m256i *wlh)
{
	const __m256i zero = _mm256_setzero_si256();
	__m256i pl = _mm256_madd_epi16(_mm256_unpacklo_epi8(x, zero), _mm256_loadu_si256(wlh));
	__m256i ph = _mm256_madd_epi16(_mm256_unpackhi_epi8(x, zero), _mm256_loadu_si256(wlh + 1));
	return _mm256_add_epi32(c, _mm256_hadd_epi32(pl, ph));
}

/* Output row of a 3x3 window whose pairs fit, without weight zero points (MobileNet's), from
 * the interleaved rows r0..r2: per half, 4 accumulators, the weights read from L1. */
TARGET static void out_row3(const eml_qdwc_args *a, const __m256i *r0, const __m256i *r1,
			    const __m256i *r2, const rq *q, uint8_t *y)
{
	const __m256i *w = (const __m256i *)a->w;
	for (size_t ox = 0; ox < a->ow; ox++, y += 64)
		for (uint32_t h = 0; h < 2; h++) {
			const size_t o = (ox * 2 + h) * 4;
			const __m256i *wh = w + h;
			__m256i c0 = _mm256_loadu_si256((const __m256i *)(a->bias + 8 * h));
			__m256i c1 = _mm256_loadu_si256((const __m256i *)(a->bias + 16 + 8 * h));
			__m256i c2 = _mm256_loadu_si256((const __m256i *)(a->bias + 32 + 8 * h));
			__m256i c3 = _mm256_loadu_si256((const __m256i *)(a->bias + 48 + 8 * h));
			c0 = dot4(c0, _mm256_loadu_si256(r0 + o), _mm256_loadu_si256(wh));
			c1 = dot4(c1, _mm256_loadu_si256(r0 + o + 1), _mm256_loadu_si256(wh + 2));
			c2 = dot4(c2, _mm256_loadu_si256(r0 + o + 2), _mm256_loadu_si256(wh + 4));
			c3 = dot4(c3, _mm256_loadu_si256(r0 + o + 3), _mm256_loadu_si256(wh + 6));
			c0 = dot4(c0, _mm256_loadu_si256(r1 + o), _mm256_loadu_si256(wh + 8));
			c1 = dot4(c1, _mm256_loadu_si256(r1 + o + 1), _mm256_loadu_si256(wh + 10));
			c2 = dot4(c2, _mm256_loadu_si256(r1 + o + 2), _mm256_loadu_si256(wh + 12));
			c3 = dot4(c3, _mm256_loadu_si256(r1 + o + 3), _mm256_loadu_si256(wh + 14));
			c0 = dot4(c0, _mm256_loadu_si256(r2 + o), _mm256_loadu_si256(wh + 16));
			c1 = dot4(c1, _mm256_loadu_si256(r2 + o + 1), _mm256_loadu_si256(wh + 18));
			c2 = dot4(c2, _mm256_loadu_si256(r2 + o + 2), _mm256_loadu_si256(wh + 20));
			c3 = dot4(c3, _mm256_loadu_si256(r2 + o + 3), _mm256_loadu_si256(wh + 22));
			finish(a, h, c0, c1, c2, c3, q, y + 32 * h);
		}
}

/* Output row from the interleaved rows rows[ky] (kh rows of gpr groups per column), any
 * window: each vector of 8 channels by 4 taps with vpmaddubsw where its pairs fit, else on
 * widened taps (wide: the weights as int16, per window row and group, half h and j, the low
 * then the high unpack; mask: eml_qdwc_args.wide, or NULL where pairs_fit says all);
 * weight zero points by x's sums over each group's valid taps (ones8; 2 x 255 fits int16,
 * so vpmaddubsw is exact there). */
TARGET static void out_row(const eml_qdwc_args *a, const __m256i *const *rows, uint32_t gpr,
			   const __m256i *ones8, const __m256i *wide, const rq *q, uint8_t *y)
{
	const __m256i *w = (const __m256i *)a->w;
	const uint8_t all = a->pairs_fit ? 0 : 15, *mask = a->pairs_fit ? NULL : a->wide;
	for (size_t ox = 0; ox < a->ow; ox++, y += 64)
		for (uint32_t h = 0; h < 2; h++) {
			__m256i c0 = _mm256_loadu_si256((const __m256i *)(a->bias + 8 * h));
			__m256i c1 = _mm256_loadu_si256((const __m256i *)(a->bias + 16 + 8 * h));
			__m256i c2 = _mm256_loadu_si256((const __m256i *)(a->bias + 32 + 8 * h));
			__m256i c3 = _mm256_loadu_si256((const __m256i *)(a->bias + 48 + 8 * h));
			__m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
			for (uint32_t ky = 0; ky < a->kh; ky++) {
				const __m256i *v = rows[ky] + (ox * gpr * 2 + h) * 4;
				for (uint32_t g = 0; g < gpr; g++, v += 8) {
					size_t i = ky * gpr + g;
					__m256i x0 = _mm256_loadu_si256(v);
					__m256i x1 = _mm256_loadu_si256(v + 1);
					__m256i x2 = _mm256_loadu_si256(v + 2);
					__m256i x3 = _mm256_loadu_si256(v + 3);
					const uint8_t m = mask ? mask[i * 2 + h] : all;
					const __m256i *wg = w + i * 8 + h;
					const __m256i *wd = wide + (i * 2 + h) * 8;
					if (m == 0) {
						c0 = dot4(c0, x0, _mm256_loadu_si256(wg));
						c1 = dot4(c1, x1, _mm256_loadu_si256(wg + 2));
						c2 = dot4(c2, x2, _mm256_loadu_si256(wg + 4));
						c3 = dot4(c3, x3, _mm256_loadu_si256(wg + 6));
					} else if (m == 15) {
						c0 = dot4_wide(c0, x0, wd);
						c1 = dot4_wide(c1, x1, wd + 2);
						c2 = dot4_wide(c2, x2, wd + 4);
						c3 = dot4_wide(c3, x3, wd + 6);
					} else {
						c0 = m & 1 ? dot4_wide(c0, x0, wd) :
							     dot4(c0, x0, _mm256_loadu_si256(wg));
						c1 = m & 2 ? dot4_wide(c1, x1, wd + 2) :
							     dot4(c1, x1, _mm256_loadu_si256(wg + 2));
						c2 = m & 4 ? dot4_wide(c2, x2, wd + 4) :
							     dot4(c2, x2, _mm256_loadu_si256(wg + 4));
						c3 = m & 8 ? dot4_wide(c3, x3, wd + 6) :
							     dot4(c3, x3, _mm256_loadu_si256(wg + 6));
					}
					if (a->wzp) {
						s0 = dot4(s0, x0, ones8[g]);
						s1 = dot4(s1, x1, ones8[g]);
						s2 = dot4(s2, x2, ones8[g]);
						s3 = dot4(s3, x3, ones8[g]);
					}
				}
			}
			if (a->wzp) {
				const int32_t *z = a->wzp + 8 * h;
				__m256i z0 = _mm256_loadu_si256((const __m256i *)z);
				__m256i z1 = _mm256_loadu_si256((const __m256i *)(z + 16));
				__m256i z2 = _mm256_loadu_si256((const __m256i *)(z + 32));
				__m256i z3 = _mm256_loadu_si256((const __m256i *)(z + 48));
				c0 = _mm256_sub_epi32(c0, _mm256_mullo_epi32(z0, s0));
				c1 = _mm256_sub_epi32(c1, _mm256_mullo_epi32(z1, s1));
				c2 = _mm256_sub_epi32(c2, _mm256_mullo_epi32(z2, s2));
				c3 = _mm256_sub_epi32(c3, _mm256_mullo_epi32(z3, s3));
			}
			finish(a, h, c0, c1, c2, c3, q, y + 32 * h);
		}
}

/* Interleaves input row r's taps for every output column into dst: per column, group and
 * half, 4 vectors of 8 channels by 4 taps (lane order of eml_qdwc_lane), the slots past kw
 * feeding taps again (eml_cpu_kernels.qdwc_pad_taps): a last group of 3 taps repeats its
 * first, a last group of 1 tap after a group of 4 takes that group's taps 0, 2 and 3; other
 * slots past kw repeat the last tap. Their weights are 0 unless they hold the residual of a
 * pair split to fit (qconv.c). */
TARGET static void interleave_row(const eml_qdwc_args *a, const uint8_t *row, uint32_t gpr,
				  __m256i *dst)
{
	size_t step = (size_t)a->sw * 64, tap = (size_t)a->dw * 64;
	for (size_t ox = 0; ox < a->ow; ox++) {
		const uint8_t *p = row + ox * step;
		for (uint32_t g = 0; g < gpr; g++) {
			uint32_t k = 4 * g, last = a->kw - 1;
			const uint8_t *p0 = p + k * tap;
			const uint8_t *p1 = p + (k + 1 <= last ? k + 1 : last) * tap;
			const uint8_t *p2 = p + (k + 2 <= last ? k + 2 : last) * tap;
			const uint8_t *p3 = p + (k + 3 <= last ? k + 3 : last) * tap;
			if (k + 2 == last) {
				p3 = p0; /* 3 taps: the fourth slot repeats the first */
			} else if (k == last && k >= 4) {
				/* 1 tap after a group of 4: taps k - 4, k - 2, k - 1 again */
				p1 = p + (k - 4) * tap;
				p2 = p + (k - 2) * tap;
				p3 = p + (k - 1) * tap;
			}
			for (uint32_t h = 0; h < 2; h++, dst += 4) {
				__m256i x0 = _mm256_loadu_si256((const __m256i *)(p0 + 32 * h));
				__m256i x1 = _mm256_loadu_si256((const __m256i *)(p1 + 32 * h));
				__m256i x2 = _mm256_loadu_si256((const __m256i *)(p2 + 32 * h));
				__m256i x3 = _mm256_loadu_si256((const __m256i *)(p3 + 32 * h));
				__m256i lo01 = _mm256_unpacklo_epi8(x0, x1);
				__m256i hi01 = _mm256_unpackhi_epi8(x0, x1);
				__m256i lo23 = _mm256_unpacklo_epi8(x2, x3);
				__m256i hi23 = _mm256_unpackhi_epi8(x2, x3);
				/* per 128-bit lane L: channels 16L + 0..3, 4..7, 8..11, 12..15 */
				_mm256_storeu_si256(dst, _mm256_unpacklo_epi16(lo01, lo23));
				_mm256_storeu_si256(dst + 1, _mm256_unpackhi_epi16(lo01, lo23));
				_mm256_storeu_si256(dst + 2, _mm256_unpacklo_epi16(hi01, hi23));
				_mm256_storeu_si256(dst + 3, _mm256_unpackhi_epi16(hi01, hi23));
			}
		}
	}
}

/* See eml_qdwc_args. */
void TARGET eml_qs8_dwconv_64c_avx2_maddubs(const eml_qdwc_args *a)
{
	const uint32_t gpr = (a->kw + 3) / 4, span = (a->kh - 1) * a->dh + 1;
	const size_t slot = a->ow * gpr * 8; /* vectors of one ring row */
	__m256i ones8[16];
	for (uint32_t g = 0; g < gpr; g++) {
		int32_t one = 0;
		for (uint32_t t = 4 * g; t < 4 * g + 4 && t < a->kw; t++)
			one |= 1 << (8 * (t - 4 * g));
		ones8[g] = _mm256_set1_epi32(one);
	}
	rq q = { .lo = _mm256_set1_ps(a->lo - a->zp), .hi = _mm256_set1_ps(a->hi - a->zp),
		 .zp = _mm256_set1_epi16((int16_t)a->zp), .is_unsigned = a->hi > 127.0f };
	__m256i *ring = (__m256i *)a->ring;
	/* the int16 weights of the wide path, after the ring rows (eml_qdwc_ring_bytes) */
	__m256i *wide = ring + span * slot;
	if (!a->pairs_fit) {
		const __m256i *w = (const __m256i *)a->w;
		for (uint32_t i = 0; i < a->kh * gpr; i++)
			for (uint32_t h = 0; h < 2; h++)
				for (int j = 0; j < 4; j++) {
					__m256i v = _mm256_loadu_si256(w + i * 8 + 2 * j + h);
					__m256i sign = _mm256_cmpgt_epi8(_mm256_setzero_si256(), v);
					__m256i *d = wide + (i * 2 + h) * 8 + 2 * j;
					_mm256_storeu_si256(d, _mm256_unpacklo_epi8(v, sign));
					_mm256_storeu_si256(d + 1, _mm256_unpackhi_epi8(v, sign));
				}
	}
	/* which input row each ring slot holds (a row index past the plane: none yet) */
	size_t held[EML_QDWC_SPAN_MAX];
	for (uint32_t i = 0; i < span; i++)
		held[i] = (size_t)-1;
	const __m256i *rows[EML_QDWC_SPAN_MAX];
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
		if (a->kh == 3 && gpr == 1 && !a->wzp && a->pairs_fit)
			out_row3(a, rows[0], rows[1], rows[2], &q, y);
		else
			out_row(a, rows, gpr, ones8, wide, &q, y);
	}
}

#endif
