/* qs8-gemm-8x8c4-avx2-maddubs.c — int8 GEMM micro-kernel: 8 rows x 8 columns, uint8 x times
 * int8 w with vpmaddubsw (pairs of products summed to int16) and vpmaddwd against ones (the
 * pairs summed to int32), fp32 requantization.
 *
 * vpmaddubsw saturates its int16 pair sums; it is exact only for weights whose every pair
 * (k 2i, 2i + 1 of a row) has positive parts and negative parts each summing to at most 128
 * in magnitude (255 x 128 = 32640 fits either way). eml_qgemm_ukernel_fit() checks that at
 * pack time and takes the vpmaddwd kernel (.wide) for weights that do not qualify; the
 * reduce_range (7-bit) weights of ONNX Runtime's quantizer always do. Full-range weights
 * with few pairs past the bound run split (eml_qgemm_ukernel_split): the pairs clipped to
 * fit, the clipped-off residual added from a sparse list before the main loop. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* Broadcasts the 4 int8 weights of row r of one k group at w. */
TARGET static inline __m256i wbcast(const int8_t *w, int r)
{
	int32_t v;
	memcpy(&v, w + 4 * r, 4);
	return _mm256_set1_epi32(v);
}

/* acc + the 4-term dot products of each column of x with w (exact, see above). */
TARGET static inline __m256i dot4(__m256i acc, __m256i x, __m256i w, __m256i ones)
{
	return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), ones));
}

/* Requantizes a row's 8 accumulators (bias included) to int32 values within [lo - zp,
 * hi - zp]: the reference's clamp(round(acc * mult) + zp, lo, hi) with the clamp moved before
 * the rounding, which is exact because both bounds are integers (rounding is monotonic and
 * keeps integers) and the zero point added after the 16-bit pack; max/min return their
 * second operand for a NaN, so NaN goes to lo as in the reference. cvtps rounds in the
 * current mode, as the reference's nearbyintf. */
TARGET static inline __m256i requant(__m256i acc, __m256i xsum, int32_t wzp, float mult,
				     __m256 lo, __m256 hi)
{
	if (wzp)
		acc = _mm256_sub_epi32(acc, _mm256_mullo_epi32(_mm256_set1_epi32(wzp), xsum));
	__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_set1_ps(mult));
	return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, lo), hi));
}

/* Stores 4 requantized rows (r0 .. r3, each within [lo - zp, hi - zp]) plus zp as bytes:
 * the first nr of each of the first rows rows. */
TARGET static inline void store4(__m256i r0, __m256i r1, __m256i r2, __m256i r3, __m256i zp,
				 int wide, uint8_t *y, size_t y_stride, uint32_t nr,
				 uint32_t rows)
{
	/* int16 per lane L: r0[4L .. 4L + 3], r1[4L .. 4L + 3] (exact: |v| < 2^9) */
	__m256i p01 = _mm256_add_epi16(_mm256_packs_epi32(r0, r1), zp);
	__m256i p23 = _mm256_add_epi16(_mm256_packs_epi32(r2, r3), zp);
	/* bytes per lane L: r0, r1, r2, r3 [4L .. 4L + 3]; within the output type either way */
	__m256i b = wide ? _mm256_packus_epi16(p01, p23) : _mm256_packs_epi16(p01, p23);
	/* qwords: r0[0..7], r1[0..7], r2[0..7], r3[0..7] */
	b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
	__m128i lo = _mm256_castsi256_si128(b), hi = _mm256_extracti128_si256(b, 1);
	if (nr == 8 && rows == 4) {
		_mm_storel_epi64((__m128i *)y, lo);
		_mm_storel_epi64((__m128i *)(y + y_stride), _mm_unpackhi_epi64(lo, lo));
		_mm_storel_epi64((__m128i *)(y + 2 * y_stride), hi);
		_mm_storel_epi64((__m128i *)(y + 3 * y_stride), _mm_unpackhi_epi64(hi, hi));
		return;
	}
	uint8_t tmp[32];
	_mm_storeu_si128((__m128i *)tmp, lo);
	_mm_storeu_si128((__m128i *)(tmp + 16), hi);
	for (uint32_t r = 0; r < rows; r++)
		memcpy(y + r * y_stride, tmp + 8 * r, nr);
}

/* The epilogue of multipliers in [0, 0.5] (o->narrow): acc * mult then fits int32, so it is
 * rounded unclamped and the clamp done on the way down: 16-bit saturating packs and adds of
 * the zero point, the saturating byte pack, then the bounds as bytes. Every step is monotone
 * and leaves the values in [lo, hi] unchanged, so the result is clamp(round(v) + zp, lo, hi)
 * exactly, in 3 float operations per vector instead of 5. Stores as store4. */
TARGET static inline void store4_narrow(__m256i c0, __m256i c1, __m256i c2, __m256i c3,
					const float *mu, __m256i zp, int wide, __m256i lo,
					__m256i hi, uint8_t *y, size_t y_stride, uint32_t nr,
					uint32_t rows)
{
	__m256i r0 = _mm256_cvtps_epi32(
		_mm256_mul_ps(_mm256_cvtepi32_ps(c0), _mm256_broadcast_ss(mu)));
	__m256i r1 = _mm256_cvtps_epi32(
		_mm256_mul_ps(_mm256_cvtepi32_ps(c1), _mm256_broadcast_ss(mu + 1)));
	__m256i r2 = _mm256_cvtps_epi32(
		_mm256_mul_ps(_mm256_cvtepi32_ps(c2), _mm256_broadcast_ss(mu + 2)));
	__m256i r3 = _mm256_cvtps_epi32(
		_mm256_mul_ps(_mm256_cvtepi32_ps(c3), _mm256_broadcast_ss(mu + 3)));
	__m256i p01 = _mm256_adds_epi16(_mm256_packs_epi32(r0, r1), zp);
	__m256i p23 = _mm256_adds_epi16(_mm256_packs_epi32(r2, r3), zp);
	__m256i b;
	if (wide) {
		b = _mm256_packus_epi16(p01, p23);
		b = _mm256_min_epu8(_mm256_max_epu8(b, lo), hi);
	} else {
		b = _mm256_packs_epi16(p01, p23);
		b = _mm256_min_epi8(_mm256_max_epi8(b, lo), hi);
	}
	b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
	__m128i bl = _mm256_castsi256_si128(b), bh = _mm256_extracti128_si256(b, 1);
	if (nr == 8 && rows == 4) {
		_mm_storel_epi64((__m128i *)y, bl);
		_mm_storel_epi64((__m128i *)(y + y_stride), _mm_unpackhi_epi64(bl, bl));
		_mm_storel_epi64((__m128i *)(y + 2 * y_stride), bh);
		_mm_storel_epi64((__m128i *)(y + 3 * y_stride), _mm_unpackhi_epi64(bh, bh));
		return;
	}
	uint8_t tmp[32];
	_mm_storeu_si128((__m128i *)tmp, bl);
	_mm_storeu_si128((__m128i *)(tmp + 16), bh);
	for (uint32_t r = 0; r < rows; r++)
		memcpy(y + r * y_stride, tmp + 8 * r, nr);
}

/* A row's bias plus its residual entries re[0 .. n) over the tile x (eml_qgemm_split_fn):
 * each entry's pairs fit, so its dot products are exact too. */
TARGET static inline __m256i resid_row(int32_t bias, const uint8_t *x,
				       const eml_qgemm_rentry *re, uint32_t n, __m256i ones)
{
	__m256i acc = _mm256_set1_epi32(bias);
	for (uint32_t e = 0; e < n; e++)
		acc = dot4(acc, _mm256_loadu_si256((const __m256i *)(x + re[e].off)),
			   _mm256_set1_epi32(re[e].w), ones);
	return acc;
}

/* See eml_qgemm_fn and eml_qgemm_split_fn (rs NULL: weights not split); o's per-row arrays
 * must be readable for 8 rows from m0 (eml_fast_gemm allocates mr rows past m), rs 9 bounds.
 * Accumulator r lane j holds row r's sum for column j, starting from the row's bias and its
 * residual. */
TARGET static void gemm_8x8c4_any(uint32_t mr, uint32_t nr, size_t kq, const void *wv,
				  const uint8_t *x, const int32_t *xsum, uint8_t *y,
				  size_t y_stride, const eml_qgemm_out *o, uint32_t m0,
				  const uint32_t *rs, const eml_qgemm_rentry *re)
{
	const int8_t *w = wv;
	const int32_t *b = o->bias + m0;
	const __m256i ones = _mm256_set1_epi16(1);
	__m256i c0, c1, c2, c3, c4, c5, c6, c7;
	if (rs) {
		c0 = resid_row(b[0], x, re + rs[0], rs[1] - rs[0], ones);
		c1 = resid_row(b[1], x, re + rs[1], rs[2] - rs[1], ones);
		c2 = resid_row(b[2], x, re + rs[2], rs[3] - rs[2], ones);
		c3 = resid_row(b[3], x, re + rs[3], rs[4] - rs[3], ones);
		c4 = resid_row(b[4], x, re + rs[4], rs[5] - rs[4], ones);
		c5 = resid_row(b[5], x, re + rs[5], rs[6] - rs[5], ones);
		c6 = resid_row(b[6], x, re + rs[6], rs[7] - rs[6], ones);
		c7 = resid_row(b[7], x, re + rs[7], rs[8] - rs[7], ones);
	} else {
		c0 = _mm256_set1_epi32(b[0]), c1 = _mm256_set1_epi32(b[1]);
		c2 = _mm256_set1_epi32(b[2]), c3 = _mm256_set1_epi32(b[3]);
		c4 = _mm256_set1_epi32(b[4]), c5 = _mm256_set1_epi32(b[5]);
		c6 = _mm256_set1_epi32(b[6]), c7 = _mm256_set1_epi32(b[7]);
	}
	for (size_t q = 0; q < kq; q++, x += 32, w += 32) {
		__m256i xv = _mm256_loadu_si256((const __m256i *)x);
		c0 = dot4(c0, xv, wbcast(w, 0), ones);
		c1 = dot4(c1, xv, wbcast(w, 1), ones);
		c2 = dot4(c2, xv, wbcast(w, 2), ones);
		c3 = dot4(c3, xv, wbcast(w, 3), ones);
		c4 = dot4(c4, xv, wbcast(w, 4), ones);
		c5 = dot4(c5, xv, wbcast(w, 5), ones);
		c6 = dot4(c6, xv, wbcast(w, 6), ones);
		c7 = dot4(c7, xv, wbcast(w, 7), ones);
	}
	const __m256i zp = _mm256_set1_epi16((int16_t)o->zp);
	const int wide = o->hi > 127.0f; /* uint8 outputs: pack unsigned */
	const int32_t *wz = o->wzp ? o->wzp + m0 : NULL;
	const float *mu = o->mult + m0;
	__m256i xs = wz ? _mm256_loadu_si256((const __m256i *)xsum) : _mm256_setzero_si256();
	if (o->narrow) {
		if (wz) {
			c0 = _mm256_sub_epi32(c0, _mm256_mullo_epi32(_mm256_set1_epi32(wz[0]), xs));
			c1 = _mm256_sub_epi32(c1, _mm256_mullo_epi32(_mm256_set1_epi32(wz[1]), xs));
			c2 = _mm256_sub_epi32(c2, _mm256_mullo_epi32(_mm256_set1_epi32(wz[2]), xs));
			c3 = _mm256_sub_epi32(c3, _mm256_mullo_epi32(_mm256_set1_epi32(wz[3]), xs));
			c4 = _mm256_sub_epi32(c4, _mm256_mullo_epi32(_mm256_set1_epi32(wz[4]), xs));
			c5 = _mm256_sub_epi32(c5, _mm256_mullo_epi32(_mm256_set1_epi32(wz[5]), xs));
			c6 = _mm256_sub_epi32(c6, _mm256_mullo_epi32(_mm256_set1_epi32(wz[6]), xs));
			c7 = _mm256_sub_epi32(c7, _mm256_mullo_epi32(_mm256_set1_epi32(wz[7]), xs));
		}
		const __m256i blo = _mm256_set1_epi8((char)(int32_t)o->lo);
		const __m256i bhi = _mm256_set1_epi8((char)(int32_t)o->hi);
		store4_narrow(c0, c1, c2, c3, mu, zp, wide, blo, bhi, y, y_stride, nr,
			      mr < 4 ? mr : 4);
		if (mr > 4)
			store4_narrow(c4, c5, c6, c7, mu + 4, zp, wide, blo, bhi,
				      y + 4 * y_stride, y_stride, nr, mr - 4);
		return;
	}
	const __m256 lo = _mm256_set1_ps(o->lo - o->zp), hi = _mm256_set1_ps(o->hi - o->zp);
	store4(requant(c0, xs, wz ? wz[0] : 0, mu[0], lo, hi),
	       requant(c1, xs, wz ? wz[1] : 0, mu[1], lo, hi),
	       requant(c2, xs, wz ? wz[2] : 0, mu[2], lo, hi),
	       requant(c3, xs, wz ? wz[3] : 0, mu[3], lo, hi), zp, wide, y, y_stride, nr,
	       mr < 4 ? mr : 4);
	if (mr <= 4)
		return;
	store4(requant(c4, xs, wz ? wz[4] : 0, mu[4], lo, hi),
	       requant(c5, xs, wz ? wz[5] : 0, mu[5], lo, hi),
	       requant(c6, xs, wz ? wz[6] : 0, mu[6], lo, hi),
	       requant(c7, xs, wz ? wz[7] : 0, mu[7], lo, hi), zp, wide, y + 4 * y_stride,
	       y_stride, nr, mr - 4);
}

/* See eml_qgemm_fn. */
TARGET static void gemm_8x8c4(uint32_t mr, uint32_t nr, size_t kq, const void *w,
			      const uint8_t *x, const int32_t *xsum, uint8_t *y, size_t y_stride,
			      const eml_qgemm_out *o, uint32_t m0)
{
	gemm_8x8c4_any(mr, nr, kq, w, x, xsum, y, y_stride, o, m0, NULL, NULL);
}

/* See eml_qgemm_split_fn. */
TARGET static void gemm_8x8c4_split(uint32_t mr, uint32_t nr, size_t kq, const void *w,
				    const uint8_t *x, const int32_t *xsum, uint8_t *y,
				    size_t y_stride, const eml_qgemm_out *o, uint32_t m0,
				    const uint32_t *rs, const eml_qgemm_rentry *re)
{
	gemm_8x8c4_any(mr, nr, kq, w, x, xsum, y, y_stride, o, m0, rs, re);
}

/* See eml_qgemv_fn: the same packed weights, 8 rows per vector (a weight block's group of 4
 * k is 8 rows x 4 bytes), x's 4 bytes broadcast, the rows' constants loaded as vectors (o's
 * arrays are readable for 8 rows past every block, as above). */
TARGET static void gemv_8c4(size_t m, size_t kq, const void *wv, size_t w_block,
			    const uint8_t *x, int32_t xsum, uint8_t *y, const eml_qgemm_out *o,
			    uint32_t m0)
{
	const __m256i ones = _mm256_set1_epi16(1);
	const __m256 lo = _mm256_set1_ps(o->lo - o->zp), hi = _mm256_set1_ps(o->hi - o->zp);
	const __m256i zp = _mm256_set1_epi16((int16_t)o->zp);
	const int wide = o->hi > 127.0f; /* uint8 outputs: pack unsigned */
	for (size_t i = 0; i < m; i += 8) {
		const int8_t *w = (const int8_t *)wv + (i / 8) * w_block;
		/* two chains: the adds' latency, not the multiplies, would bound one */
		__m256i c0 = _mm256_loadu_si256((const __m256i *)(o->bias + m0 + i));
		__m256i c1 = _mm256_setzero_si256();
		size_t q = 0;
		for (; q + 2 <= kq; q += 2) {
			int32_t v0, v1;
			memcpy(&v0, x + 4 * q, 4);
			memcpy(&v1, x + 4 * q + 4, 4);
			c0 = dot4(c0, _mm256_set1_epi32(v0),
				  _mm256_loadu_si256((const __m256i *)(w + 32 * q)), ones);
			c1 = dot4(c1, _mm256_set1_epi32(v1),
				  _mm256_loadu_si256((const __m256i *)(w + 32 * q + 32)), ones);
		}
		if (q < kq) {
			int32_t v0;
			memcpy(&v0, x + 4 * q, 4);
			c0 = dot4(c0, _mm256_set1_epi32(v0),
				  _mm256_loadu_si256((const __m256i *)(w + 32 * q)), ones);
		}
		__m256i acc = _mm256_add_epi32(c0, c1);
		if (o->wzp)
			acc = _mm256_sub_epi32(
				acc, _mm256_mullo_epi32(
					     _mm256_loadu_si256((const __m256i *)(o->wzp + m0 + i)),
					     _mm256_set1_epi32(xsum)));
		__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(o->mult + m0 + i));
		/* clamp before rounding, zero point after the pack (see requant) */
		__m256i r = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, lo), hi));
		__m256i p = _mm256_add_epi16(_mm256_packs_epi32(r, r), zp);
		__m256i b = wide ? _mm256_packus_epi16(p, p) : _mm256_packs_epi16(p, p);
		/* dword 0 of each lane: rows 0-3, 4-7 */
		b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0));
		__m128i out = _mm256_castsi256_si128(b);
		if (m - i >= 8) {
			_mm_storel_epi64((__m128i *)(y + i), out);
		} else {
			uint8_t tmp[16];
			_mm_storeu_si128((__m128i *)tmp, out);
			memcpy(y + i, tmp, m - i);
		}
	}
}

const eml_qgemm_ukernel eml_qs8_gemm_8x8c4_avx2_maddubs = {
	.name = "qs8-gemm-8x8c4-avx2-maddubs",
	.mr = 8,
	.nr = 8,
	.kc = 4,
	.w_bytes = 1,
	.x_signed = 0,
	.w_pair_limit = 1,
	.wide = &eml_qs8_gemm_4x8c4_avx2,
	.fn = gemm_8x8c4,
	.gemv = gemv_8c4,
	.split = gemm_8x8c4_split,
	.split_name = "qs8-gemm-8x8c4-avx2-maddubs-split",
};

#endif
