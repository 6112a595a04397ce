/* qs8-gemm-8x8c4-avx2-maddubs.c — int8 GEMM micro-kernel: 8 rows x 8 columns, uint8 x times
 * int8 w with vpmaddubsw (pairs of products summed to int16) and vpmaddwd against ones (the
 * pairs summed to int32), fp32 requantization.
 *
 * vpmaddubsw saturates its int16 pair sums; it is exact only for weights whose every pair
 * (k 2i, 2i + 1 of a row) has positive parts and negative parts each summing to at most 128
 * in magnitude (255 x 128 = 32640 fits either way). eml_qgemm_ukernel_fit() checks that at
 * pack time and takes the vpmaddwd kernel (.wide) for weights that do not qualify; the
 * reduce_range (7-bit) weights of ONNX Runtime's quantizer always do. */
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

/* Requantizes row m's 8 accumulators to int32 values within [lo, hi]: the reference's fp32
 * steps, as the other x86 kernels do them. */
TARGET static inline __m256i requant(__m256i acc, __m256i xsum, const eml_qgemm_out *o,
				     uint32_t m)
{
	__m256i v = _mm256_add_epi32(acc, _mm256_set1_epi32(o->bias[m]));
	if (o->wzp)
		v = _mm256_sub_epi32(v, _mm256_mullo_epi32(_mm256_set1_epi32(o->wzp[m]), xsum));
	__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(v), _mm256_set1_ps(o->mult[m]));
	f = _mm256_round_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm256_add_ps(f, _mm256_set1_ps(o->zp));
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm256_min_ps(_mm256_max_ps(f, _mm256_set1_ps(o->lo)), _mm256_set1_ps(o->hi));
	return _mm256_cvtps_epi32(f);
}

/* Stores the low bytes of two rows' 8 int32 values (within [-128, 255]): the first nr of
 * each, the second row only when two. */
TARGET static inline void store2(__m256i r0, __m256i r1, uint8_t *y, size_t y_stride,
				 uint32_t nr, int two)
{
	/* int16 per lane L: r0[4L .. 4L + 3], r1[4L .. 4L + 3] (exact: |v| < 2^15) */
	__m256i p = _mm256_packs_epi32(r0, r1);
	/* the low byte of each int16, into the lane's low 8 bytes */
	const __m256i pick = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1,
					      -1, -1, 0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1,
					      -1, -1, -1, -1);
	__m256i b = _mm256_shuffle_epi8(p, pick);
	/* dwords: r0[0..3], r0[4..7], r1[0..3], r1[4..7] */
	__m128i o = _mm256_castsi256_si128(
		_mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
	if (nr == 8) {
		_mm_storel_epi64((__m128i *)y, o);
		if (two)
			_mm_storeh_pd((double *)(y + y_stride), _mm_castsi128_pd(o));
		return;
	}
	uint8_t tmp[16];
	_mm_storeu_si128((__m128i *)tmp, o);
	memcpy(y, tmp, nr);
	if (two)
		memcpy(y + y_stride, tmp + 8, nr);
}

/* See eml_qgemm_fn. Accumulator r lane j holds row r's sum for column j. */
TARGET static void gemm_8x8c4(uint32_t mr, uint32_t nr, size_t kq, const void *wv,
			      const uint8_t *x, const int32_t *xsum, uint8_t *y, size_t y_stride,
			      const eml_qgemm_out *o, uint32_t m0)
{
	const int8_t *w = wv;
	const __m256i ones = _mm256_set1_epi16(1);
	__m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0,
		c7 = c0;
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
	__m256i xs = o->wzp ? _mm256_loadu_si256((const __m256i *)xsum) : _mm256_setzero_si256();
	const __m256i acc[8] = { c0, c1, c2, c3, c4, c5, c6, c7 };
	for (uint32_t r = 0; r < mr; r += 2) {
		int two = r + 1 < mr;
		__m256i v0 = requant(acc[r], xs, o, m0 + r);
		__m256i v1 = two ? requant(acc[r + 1], xs, o, m0 + r + 1) : v0;
		store2(v0, v1, y + r * y_stride, y_stride, nr, two);
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
};

#endif
