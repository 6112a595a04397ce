/* qs8-dwconv-64c-avx2-maddubs.c — depthwise convolution micro-kernel with 64 channels in the
 * vector lanes for AVX2, the sibling of qs8-dwconv-64c-avx512vnni (same tile, weights and
 * lane order, pack.h): a block is two halves of 32 channels, each 4 vectors of 8 channels by
 * 4 taps. A window row's taps at one output column, 4 at a time, are interleaved by two rounds
 * of in-lane unpacks into dwords of 4 taps of one channel, once per input row into a ring that
 * serves every output row whose window covers it. Where every weight pair fits int16
 * (eml_qdwc_args.pairs_fit) vpmaddubsw + vpmaddwd multiply them exactly; otherwise the taps
 * are widened to int16 for vpmaddwd. Requantization as in the other AVX2 kernels: clamp to
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

/* Requantizes the 32 channels of half h (accumulators c[0..3], vectors (j, h) of the lane
 * order) and stores them in channel order at y: in-lane packs restore it, as in the AVX-512
 * kernel (lane L of half h holds channels 32 h + 16 L .. + 15). */
TARGET static INLINE void finish(const eml_qdwc_args *a, uint32_t h, const __m256i *c,
				 const rq *q, uint8_t *y)
{
	__m256i r[4];
	for (int j = 0; j < 4; j++) {
		__m256 m = _mm256_loadu_ps(a->mult + 16 * j + 8 * h);
		__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(c[j]), m);
		/* max/min return their second operand for a NaN: NaN goes to lo */
		r[j] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, q->lo), q->hi));
	}
	__m256i p01 = _mm256_add_epi16(_mm256_packs_epi32(r[0], r[1]), q->zp);
	__m256i p23 = _mm256_add_epi16(_mm256_packs_epi32(r[2], r[3]), q->zp);
	__m256i b = q->is_unsigned ? _mm256_packus_epi16(p01, p23) : _mm256_packs_epi16(p01, p23);
	_mm256_storeu_si256((__m256i *)y, b);
}

/* Output row from the interleaved rows rows[ky] with vpmaddubsw (every pair fits); always
 * inlined so that the 3x3 case gets its loops unrolled. */
TARGET static INLINE void out_row_fit(const eml_qdwc_args *a, const __m256i *const *rows,
				      uint32_t kh, uint32_t gpr, const __m256i *ones8,
				      const rq *q, uint8_t *y)
{
	const __m256i *w = (const __m256i *)a->w;
	const __m256i ones = _mm256_set1_epi16(1);
	for (size_t ox = 0; ox < a->ow; ox++, y += 64) {
		for (uint32_t h = 0; h < 2; h++) {
			__m256i c[4], s[4];
			for (int j = 0; j < 4; j++) {
				c[j] = _mm256_loadu_si256((const __m256i *)(a->bias + 16 * j + 8 * h));
				s[j] = _mm256_setzero_si256();
			}
			for (uint32_t ky = 0; ky < kh; ky++) {
				const __m256i *v = rows[ky] + (ox * gpr * 2 + h) * 4;
				for (uint32_t g = 0; g < gpr; g++, v += 8) {
					const __m256i *wg = w + (ky * gpr + g) * 8 + h;
					for (int j = 0; j < 4; j++) {
						__m256i x = _mm256_loadu_si256(v + j);
						__m256i p = _mm256_maddubs_epi16(
							x, _mm256_loadu_si256(wg + 2 * j));
						c[j] = _mm256_add_epi32(c[j], _mm256_madd_epi16(p, ones));
						if (a->wzp)
							s[j] = _mm256_add_epi32(
								s[j],
								_mm256_madd_epi16(
									_mm256_maddubs_epi16(
										x, ones8[g]),
									ones));
					}
				}
			}
			if (a->wzp)
				for (int j = 0; j < 4; j++) {
					__m256i z = _mm256_loadu_si256(
						(const __m256i *)(a->wzp + 16 * j + 8 * h));
					c[j] = _mm256_sub_epi32(c[j], _mm256_mullo_epi32(z, s[j]));
				}
			finish(a, h, c, q, y + 32 * h);
		}
	}
}

/* Output row with the taps widened to int16 (weights past the pair bound): wide holds the
 * weights as int16, per window row and group, 16 vectors (half h, j, then the low and high
 * unpack). vpmaddwd sums pairs of taps of one channel, vphaddd the two pairs: channels in
 * order within each 128-bit lane. */
TARGET static INLINE void out_row_wide(const eml_qdwc_args *a, const __m256i *const *rows,
				       uint32_t kh, uint32_t gpr, const __m256i *wide,
				       const __m256i *ones8, const rq *q, uint8_t *y)
{
	const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi16(1);
	for (size_t ox = 0; ox < a->ow; ox++, y += 64) {
		for (uint32_t h = 0; h < 2; h++) {
			__m256i c[4], s[4];
			for (int j = 0; j < 4; j++) {
				c[j] = _mm256_loadu_si256((const __m256i *)(a->bias + 16 * j + 8 * h));
				s[j] = _mm256_setzero_si256();
			}
			for (uint32_t ky = 0; ky < kh; ky++) {
				const __m256i *v = rows[ky] + (ox * gpr * 2 + h) * 4;
				for (uint32_t g = 0; g < gpr; g++, v += 8) {
					const __m256i *wg = wide + ((ky * gpr + g) * 2 + h) * 8;
					for (int j = 0; j < 4; j++) {
						__m256i x = _mm256_loadu_si256(v + j);
						__m256i xl = _mm256_unpacklo_epi8(x, zero);
						__m256i xh = _mm256_unpackhi_epi8(x, zero);
						__m256i pl = _mm256_madd_epi16(xl, wg[2 * j]);
						__m256i ph = _mm256_madd_epi16(xh, wg[2 * j + 1]);
						c[j] = _mm256_add_epi32(c[j], _mm256_hadd_epi32(pl, ph));
						/* x's sums for the weight zero points: 2 x 255 fits
						 * int16, vpmaddubsw is exact here */
						if (a->wzp)
							s[j] = _mm256_add_epi32(
								s[j],
								_mm256_madd_epi16(
									_mm256_maddubs_epi16(
										x, ones8[g]),
									ones));
					}
				}
			}
			if (a->wzp)
				for (int j = 0; j < 4; j++) {
					__m256i z = _mm256_loadu_si256(
						(const __m256i *)(a->wzp + 16 * j + 8 * h));
					c[j] = _mm256_sub_epi32(c[j], _mm256_mullo_epi32(z, s[j]));
				}
			finish(a, h, c, q, y + 32 * h);
		}
	}
}

/* Interleaves input row r's taps for every output column into dst: per column, group and
 * half, 4 vectors of 8 channels by 4 taps (lane order of eml_qdwc_lane), the taps past kw
 * repeating the last one (their weights are 0). */
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
		if (!a->pairs_fit)
			out_row_wide(a, rows, a->kh, gpr, wide, ones8, &q, y);
		else if (a->kh == 3 && gpr == 1 && !a->wzp)
			out_row_fit(a, rows, 3, 1, ones8, &q, y);
		else
			out_row_fit(a, rows, a->kh, gpr, ones8, &q, y);
	}
}

#endif
