/* qs8-gemm-8x32c4-avx512vnni.c — int8 GEMM micro-kernel: 8 rows x 32 columns, uint8 x by
 * int8 w in groups of 4 k (vpdpbusd), fp32 requantization. Two x vectors per weight
 * broadcast: half the broadcasts per multiply of a 16-column tile. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

/* Broadcasts the 4 weight bytes of row r at w. */
TARGET static inline __m512i wbcast(const int8_t *w, int r)
{
	int32_t v;
	memcpy(&v, w + 4 * r, 4);
	return _mm512_set1_epi32(v);
}

/* Requantizes 16 accumulators of row m (bias included) and stores the outputs mask
 * selects. */
TARGET static inline void store16(__m512i acc, __m512i xsum, const eml_qgemm_out *o, uint32_t m,
				  uint8_t *y, __mmask16 mask)
{
	__m512i v = acc;
	if (o->wzp)
		v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_set1_epi32(o->wzp[m]), xsum));
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_set1_ps(o->mult[m]));
	f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm512_add_ps(f, _mm512_set1_ps(o->zp));
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm512_min_ps(_mm512_max_ps(f, _mm512_set1_ps(o->lo)), _mm512_set1_ps(o->hi));
	/* a plain store for a full row: a masked one is slower and keeps the loads that read it
	 * next from being forwarded from the store buffer */
	if (mask == 0xffff)
		_mm_storeu_si128((__m128i *)y, _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(f)));
	else
		_mm512_mask_cvtepi32_storeu_epi8(y, mask, _mm512_cvtps_epi32(f));
}

/* acc * mult rounded to int32 in the current mode (the reference's nearbyintf), less xsum
 * times the row's weight zero point first where there are any. */
TARGET static inline __m512i round_row(__m512i acc, __m512i xsum, const eml_qgemm_out *o,
				       uint32_t m)
{
	if (o->wzp)
		acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(o->wzp[m]), xsum));
	return _mm512_cvtps_epi32(
		_mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_set1_ps(o->mult[m])));
}

/* The epilogue of multipliers in [0, 0.5] (o->narrow) for rows m and m + 1 (lo*: columns
 * 0-15, hi*: 16-31): acc * mult then fits int32, so it is rounded unclamped and the clamp
 * done on the way down, as qs8-gemm-8x8c4-avx2-maddubs's store4_narrow: saturating 16-bit
 * packs, a saturating add of the zero point, the saturating byte pack, then the bounds as
 * bytes. Every step is monotone and leaves the values in [lo, hi] unchanged, so the result is
 * clamp(round(v) + zp, lo, hi) bit for bit, in 3 float operations per 16 outputs instead of 6
 * and one pack, permute and clamp per 64. two: row m + 1 is stored too; nr: columns stored. */
TARGET static inline __attribute__((always_inline)) void store2_narrow(__m512i lo0, __m512i hi0, __m512i lo1, __m512i hi1,
					__m512i xs0, __m512i xs1, const eml_qgemm_out *o,
					uint32_t m, int two, uint32_t nr, __m512i zp, __m512i blo,
					__m512i bhi, int wide, uint8_t *y, size_t y_stride)
{
	/* int16 per 128-bit lane L: row m columns 4L .. 4L + 3, then 16 + 4L .. 16 + 4L + 3 */
	__m512i p0 = _mm512_adds_epi16(
		_mm512_packs_epi32(round_row(lo0, xs0, o, m), round_row(hi0, xs1, o, m)), zp);
	__m512i p1 = p0;
	if (two)
		p1 = _mm512_adds_epi16(_mm512_packs_epi32(round_row(lo1, xs0, o, m + 1),
							  round_row(hi1, xs1, o, m + 1)),
				       zp);
	/* dwords per lane L: row m [4L..], row m [16 + 4L..], row m + 1 [4L..], [16 + 4L..] */
	__m512i b;
	if (wide) {
		b = _mm512_packus_epi16(p0, p1);
		b = _mm512_min_epu8(_mm512_max_epu8(b, blo), bhi);
	} else {
		b = _mm512_packs_epi16(p0, p1);
		b = _mm512_min_epi8(_mm512_max_epi8(b, blo), bhi);
	}
	/* row m's 32 bytes, then row m + 1's */
	b = _mm512_permutexvar_epi32(
		_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), b);
	__m256i r0 = _mm512_castsi512_si256(b), r1 = _mm512_extracti64x4_epi64(b, 1);
	if (nr == 32) {
		_mm256_storeu_si256((__m256i *)y, r0);
		if (two)
			_mm256_storeu_si256((__m256i *)(y + y_stride), r1);
		return;
	}
	__mmask64 mask = ((__mmask64)1 << nr) - 1;
	_mm512_mask_storeu_epi8(y, mask, _mm512_castsi256_si512(r0));
	if (two)
		_mm512_mask_storeu_epi8(y + y_stride, mask, _mm512_castsi256_si512(r1));
}

/* Multiplies one k group into the two accumulators of a row. */
#define ROW(r, lo, hi)                                          \
	do {                                                    \
		__m512i b = wbcast(w, r);                       \
		lo = _mm512_dpbusd_epi32(lo, x0, b);            \
		hi = _mm512_dpbusd_epi32(hi, x1, b);            \
	} while (0)

/* The kernel's body: k group q of x at x + 128 q, or at base + off[q] when off is given
 * (inlined into each caller, so each loop has one form). */
TARGET static inline __attribute__((always_inline)) void
gemm_body(uint32_t mr, uint32_t nr, size_t kq, const int8_t *w, const uint8_t *x,
	  const size_t *off, const int32_t *xsum, uint8_t *y, size_t y_stride,
	  const eml_qgemm_out *o, uint32_t m0)
{
	/* the accumulators start from the rows' biases (o's arrays hold 8 rows from m0) */
	const int32_t *bias = o->bias + m0;
	__m512i a0 = _mm512_set1_epi32(bias[0]), a1 = _mm512_set1_epi32(bias[1]),
		a2 = _mm512_set1_epi32(bias[2]), a3 = _mm512_set1_epi32(bias[3]),
		a4 = _mm512_set1_epi32(bias[4]), a5 = _mm512_set1_epi32(bias[5]),
		a6 = _mm512_set1_epi32(bias[6]), a7 = _mm512_set1_epi32(bias[7]);
	__m512i b0 = a0, b1 = a1, b2 = a2, b3 = a3, b4 = a4, b5 = a5, b6 = a6, b7 = a7;
	for (size_t q = 0; q < kq; q++, w += 32) {
		const uint8_t *xq = off ? x + off[q] : x + 128 * q;
		__m512i x0 = _mm512_loadu_si512(xq), x1 = _mm512_loadu_si512(xq + 64);
		/* in place, a block of weights can outgrow L2 (ResNet's last stage): the
		 * prefetcher alone leaves its stream from L3 late */
		if (off)
			_mm_prefetch((const char *)w + 2048, _MM_HINT_T0);
		ROW(0, a0, b0);
		ROW(1, a1, b1);
		ROW(2, a2, b2);
		ROW(3, a3, b3);
		ROW(4, a4, b4);
		ROW(5, a5, b5);
		ROW(6, a6, b6);
		ROW(7, a7, b7);
	}
	uint32_t n0 = nr < 16 ? nr : 16, n1 = nr - n0;
	__mmask16 m_lo = (__mmask16)((1u << n0) - 1), m_hi = (__mmask16)((1u << n1) - 1);
	__m512i s0 = _mm512_setzero_si512(), s1 = s0;
	if (o->wzp) {
		s0 = _mm512_loadu_si512(xsum);
		s1 = _mm512_loadu_si512(xsum + 16);
	}
	const __m512i lo[8] = { a0, a1, a2, a3, a4, a5, a6, a7 };
	const __m512i hi[8] = { b0, b1, b2, b3, b4, b5, b6, b7 };
	if (o->narrow) {
		const __m512i zp = _mm512_set1_epi16((int16_t)o->zp);
		const __m512i blo = _mm512_set1_epi8((char)(int32_t)o->lo);
		const __m512i bhi = _mm512_set1_epi8((char)(int32_t)o->hi);
		const int wide = o->hi > 127.0f; /* uint8 outputs: pack unsigned */
		for (uint32_t r = 0; r < mr; r += 2)
			store2_narrow(lo[r], hi[r], lo[r + 1], hi[r + 1], s0, s1, o, m0 + r,
				      r + 1 < mr, nr, zp, blo, bhi, wide, y + r * y_stride,
				      y_stride);
		return;
	}
	for (uint32_t r = 0; r < mr; r++) {
		store16(lo[r], s0, o, m0 + r, y + r * y_stride, m_lo);
		if (n1)
			store16(hi[r], s1, o, m0 + r, y + r * y_stride + 16, m_hi);
	}
}

/* See eml_qgemm_fn. */
TARGET static void gemm_8x32c4(uint32_t mr, uint32_t nr, size_t kq, const void *w,
			       const uint8_t *x, const int32_t *xsum, uint8_t *y, size_t y_stride,
			       const eml_qgemm_out *o, uint32_t m0)
{
	gemm_body(mr, nr, kq, w, x, NULL, xsum, y, y_stride, o, m0);
}

/* See eml_qigemm_fn. */
TARGET static void igemm_8x32c4(uint32_t mr, uint32_t nr, size_t kq, const void *w,
				const uint8_t *base, const size_t *off, uint8_t *y,
				size_t y_stride, const eml_qgemm_out *o, uint32_t m0)
{
	gemm_body(mr, nr, kq, w, base, off, NULL, y, y_stride, o, m0);
}

/* Interleaves 4 rows of 32 bytes into a packed group of a 32-column tile (column j's 4 bytes
 * at 4 j): byte and word unpacks within 128-bit lanes, lane permutes into column order. */
TARGET static inline __attribute__((always_inline)) void
group4_32(__m256i a, __m256i b, __m256i c, __m256i d, uint8_t *dst)
{
	__m256i ab_lo = _mm256_unpacklo_epi8(a, b), ab_hi = _mm256_unpackhi_epi8(a, b);
	__m256i cd_lo = _mm256_unpacklo_epi8(c, d), cd_hi = _mm256_unpackhi_epi8(c, d);
	/* columns per 128-bit lane: o0 0-3 | 16-19, o1 4-7 | 20-23, o2 8-11 | 24-27,
	 * o3 12-15 | 28-31 */
	__m256i o0 = _mm256_unpacklo_epi16(ab_lo, cd_lo);
	__m256i o1 = _mm256_unpackhi_epi16(ab_lo, cd_lo);
	__m256i o2 = _mm256_unpacklo_epi16(ab_hi, cd_hi);
	__m256i o3 = _mm256_unpackhi_epi16(ab_hi, cd_hi);
	__m256i *o = (__m256i *)dst;
	_mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(o0, o1, 0x20));
	_mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(o2, o3, 0x20));
	_mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(o0, o1, 0x31));
	_mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(o2, o3, 0x31));
}

/* Packs groups whole groups of 4 rows of a 32-column tile (eml_qgemm_ukernel.pack_x4): per
 * group 4 row loads, 4 byte and 4 word unpacks within 128-bit lanes, 4 lane permutes into
 * column order, 4 stores. */
TARGET static void pack_x4_32(const uint8_t *src, size_t src_stride, size_t groups, uint8_t flip,
			      uint8_t *dst)
{
	const __m256i f = _mm256_set1_epi8((char)flip);
	for (size_t q = 0; q < groups; q++, src += 4 * src_stride, dst += 128)
		group4_32(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)src), f),
			  _mm256_xor_si256(
				  _mm256_loadu_si256((const __m256i *)(src + src_stride)), f),
			  _mm256_xor_si256(
				  _mm256_loadu_si256((const __m256i *)(src + 2 * src_stride)), f),
			  _mm256_xor_si256(
				  _mm256_loadu_si256((const __m256i *)(src + 3 * src_stride)), f),
			  dst);
}

/* Packs groups whole groups of 4 rows at base + off[k] of a 32-column tile
 * (eml_qgemm_ukernel.pack_x4_rows): a first layer's tiles of pixels, each k row a run of a
 * phase plane, in one loop instead of a call per group. */
TARGET static void pack_x4_rows_32(const uint8_t *base, const size_t *off, size_t groups,
				   uint8_t *dst)
{
	for (size_t q = 0; q < groups; q++, off += 4, dst += 128)
		group4_32(_mm256_loadu_si256((const __m256i *)(base + off[0])),
			  _mm256_loadu_si256((const __m256i *)(base + off[1])),
			  _mm256_loadu_si256((const __m256i *)(base + off[2])),
			  _mm256_loadu_si256((const __m256i *)(base + off[3])), dst);
}

const eml_qgemm_ukernel eml_qs8_gemm_8x32c4_avx512vnni = {
	.name = "qs8-gemm-8x32c4-avx512vnni",
	.mr = 8,
	.nr = 32,
	.kc = 4,
	.w_bytes = 1,
	.x_signed = 0,
	.fn = gemm_8x32c4,
	.gemv = eml_qs8_gemv_8c4_avx512vnni,
	.igemm = igemm_8x32c4,
	.pack_x4 = pack_x4_32,
	.pack_x4_rows = pack_x4_rows_32,
};

#endif
