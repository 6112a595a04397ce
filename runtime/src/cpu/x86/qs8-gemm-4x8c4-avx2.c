/* qs8-gemm-4x8c4-avx2.c — int8 GEMM micro-kernel: 4 rows x 8 columns, uint8 x widened to int16
 * times int16-packed w (vpmaddwd, exact where vpmaddubsw would saturate), fp32
 * requantization. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* Broadcasts the 4 int16 weights of row r at w. */
TARGET static inline __m256i wbcast(const int16_t *w, int r)
{
	int64_t v;
	memcpy(&v, w + 4 * r, 8);
	return _mm256_set1_epi64x(v);
}

/* Requantizes one row's 8 accumulators and stores its first nr outputs. */
TARGET static inline void store_row(__m256i acc, __m256i xsum, const eml_qgemm_out *o,
				    uint32_t m, uint8_t *y, uint32_t nr)
{
	__m256i v = _mm256_add_epi32(acc, _mm256_set1_epi32(o->bias[m]));
	if (o->wzp)
		v = _mm256_sub_epi32(v, _mm256_mullo_epi32(_mm256_set1_epi32(o->wzp[m]), xsum));
	__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(v), _mm256_set1_ps(o->mult[m]));
	f = _mm256_round_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm256_add_ps(f, _mm256_set1_ps(o->zp));
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm256_min_ps(_mm256_max_ps(f, _mm256_set1_ps(o->lo)), _mm256_set1_ps(o->hi));
	/* The low byte of each int32, gathered into the low 8 bytes. */
	const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, -1, -1);
	__m256i b = _mm256_shuffle_epi8(_mm256_cvtps_epi32(f), pick);
	b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
	uint64_t bytes = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(b));
	memcpy(y, &bytes, nr);
}

/* Requantizes 4 rows' accumulators (bias and weight zero points applied) whose multipliers
 * are in [0, 0.5] (o->narrow) and stores the first nr outputs of the first rows rows: the
 * product fits int32, so it is rounded unclamped and clamped on the way down by saturating
 * packs and byte min/max, each step monotone and exact within [lo, hi] (as in
 * qs8-gemm-8x8c4-avx2-maddubs's store4_narrow). */
TARGET static inline void store4_narrow(const __m256i *c, const eml_qgemm_out *o, uint32_t m0,
					uint8_t *y, size_t y_stride, uint32_t nr, uint32_t rows)
{
	const float *mu = o->mult + m0;
	__m256i r[4];
	for (int i = 0; i < 4; i++)
		r[i] = _mm256_cvtps_epi32(
			_mm256_mul_ps(_mm256_cvtepi32_ps(c[i]), _mm256_broadcast_ss(mu + i)));
	const __m256i zp = _mm256_set1_epi16((int16_t)o->zp);
	const __m256i lo = _mm256_set1_epi8((char)(int32_t)o->lo);
	const __m256i hi = _mm256_set1_epi8((char)(int32_t)o->hi);
	__m256i p01 = _mm256_adds_epi16(_mm256_packs_epi32(r[0], r[1]), zp);
	__m256i p23 = _mm256_adds_epi16(_mm256_packs_epi32(r[2], r[3]), zp);
	__m256i b;
	if (o->hi > 127.0f) { /* uint8 outputs */
		b = _mm256_packus_epi16(p01, p23);
		b = _mm256_min_epu8(_mm256_max_epu8(b, lo), hi);
	} else {
		b = _mm256_packs_epi16(p01, p23);
		b = _mm256_min_epi8(_mm256_max_epi8(b, lo), hi);
	}
	/* qwords: rows 0, 1, 2, 3 */
	b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
	uint8_t tmp[32];
	_mm256_storeu_si256((__m256i *)tmp, b);
	for (uint32_t i = 0; i < rows; i++)
		memcpy(y + i * y_stride, tmp + 8 * i, nr);
}

/* Adds pairs of the two pixel halves' partial sums: lane i of the result is column i. */
TARGET static inline __m256i reduce(__m256i lo, __m256i hi)
{
	return _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo, hi), 0xD8);
}

/* See eml_qgemm_fn. Each accumulator lane holds a pair of k's partial sum for a column. */
TARGET static void gemm_4x8c4(uint32_t mr, uint32_t nr, size_t kq, const void *wv,
			      const uint8_t *x, const int32_t *xsum, uint8_t *y, size_t y_stride,
			      const eml_qgemm_out *o, uint32_t m0)
{
	const int16_t *w = wv;
	__m256i l0 = _mm256_setzero_si256(), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0,
		h2 = l0, h3 = l0;
	for (size_t q = 0; q < kq; q++, x += 32, w += 16) {
		__m256i xl = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)x));
		__m256i xh = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x + 16)));
		__m256i w0 = wbcast(w, 0), w1 = wbcast(w, 1), w2 = wbcast(w, 2), w3 = wbcast(w, 3);
		l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(xl, w0));
		h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(xh, w0));
		l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(xl, w1));
		h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(xh, w1));
		l2 = _mm256_add_epi32(l2, _mm256_madd_epi16(xl, w2));
		h2 = _mm256_add_epi32(h2, _mm256_madd_epi16(xh, w2));
		l3 = _mm256_add_epi32(l3, _mm256_madd_epi16(xl, w3));
		h3 = _mm256_add_epi32(h3, _mm256_madd_epi16(xh, w3));
	}
	__m256i xs = o->wzp ? _mm256_loadu_si256((const __m256i *)xsum) : _mm256_setzero_si256();
	const __m256i acc[4] = { reduce(l0, h0), reduce(l1, h1), reduce(l2, h2), reduce(l3, h3) };
	if (o->narrow) {
		/* o's arrays hold mr rows past the last block (eml_fast_gemm) */
		__m256i c[4];
		for (int r = 0; r < 4; r++) {
			c[r] = _mm256_add_epi32(acc[r], _mm256_set1_epi32(o->bias[m0 + r]));
			if (o->wzp)
				c[r] = _mm256_sub_epi32(
					c[r], _mm256_mullo_epi32(_mm256_set1_epi32(o->wzp[m0 + r]), xs));
		}
		store4_narrow(c, o, m0, y, y_stride, nr, mr);
		return;
	}
	for (uint32_t r = 0; r < mr; r++)
		store_row(acc[r], xs, o, m0 + r, y + r * y_stride, nr);
}

const eml_qgemm_ukernel eml_qs8_gemm_4x8c4_avx2 = {
	.name = "qs8-gemm-4x8c4-avx2",
	.mr = 4,
	.nr = 8,
	.kc = 4,
	.w_bytes = 2,
	.x_signed = 0,
	.fn = gemm_4x8c4,
};

#endif
