/* qs8-store-32x-avx512.h — the fp32 requantizing epilogue of the AVX-512 int8 GEMM kernels
 * of 32 columns (qs8-gemm-8x32c4-avx512vnni, qs8-gemm-32x32c4-amx): rows of int32 sums, the
 * row's bias included, to bytes. The includer defines TARGET (its functions' target
 * attribute, covering avx512f, avx512bw) before including it. */
#ifndef EML_QS8_STORE_32X_AVX512_H
#define EML_QS8_STORE_32X_AVX512_H

#include <immintrin.h>

#include "cpu/x86/ukernels.h"

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
TARGET static inline __attribute__((always_inline)) void
store2_narrow(__m512i lo0, __m512i hi0, __m512i lo1, __m512i hi1, __m512i xs0, __m512i xs1,
	      const eml_qgemm_out *o, uint32_t m, int two, uint32_t nr, __m512i zp, __m512i blo,
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

/* Stores rows [m0, m0 + mr) (mr <= 8) of a tile of nr <= 32 columns: row r's int32 sums, its
 * bias included, in lo[r] (columns 0-15) and hi[r] (16-31); xsum: the tile's column sums
 * (read when o->wzp). lo and hi hold mr rounded up to even rows. */
TARGET static inline __attribute__((always_inline)) void
qs8_store_rows_32(const __m512i *lo, const __m512i *hi, uint32_t mr, uint32_t nr,
		  const int32_t *xsum, const eml_qgemm_out *o, uint32_t m0, uint8_t *y,
		  size_t y_stride)
{
	uint32_t n0 = nr < 16 ? nr : 16, n1 = nr - n0;
	__mmask16 m_lo = (__mmask16)((1u << n0) - 1), m_hi = (__mmask16)((1u << n1) - 1);
	__m512i s0 = _mm512_setzero_si512(), s1 = s0;
	if (o->wzp) {
		s0 = _mm512_loadu_si512(xsum);
		s1 = _mm512_loadu_si512(xsum + 16);
	}
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

#endif /* EML_QS8_STORE_32X_AVX512_H */
