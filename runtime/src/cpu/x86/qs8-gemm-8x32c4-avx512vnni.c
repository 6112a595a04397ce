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

/* Requantizes 16 accumulators of row m and stores the outputs mask selects. */
TARGET static inline void store16(__m512i acc, __m512i xsum, const eml_qgemm_out *o, uint32_t m,
				  uint8_t *y, __mmask16 mask)
{
	__m512i v = _mm512_add_epi32(acc, _mm512_set1_epi32(o->bias[m]));
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
	__m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
		a6 = a0, a7 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0,
		b7 = a0;
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
};

#endif
