/* qs8-gemm-8x16c4-avx512vnni.c — int8 GEMM micro-kernel: 8 rows x 16 columns, uint8 x by
 * int8 w in groups of 4 k (vpdpbusd), fp32 requantization. */
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

/* Requantizes one row's 16 accumulators and stores its first nr outputs. */
TARGET static inline void store_row(__m512i acc, __m512i xsum, const eml_qgemm_out *o,
				    uint32_t m, uint8_t *y, __mmask16 mask)
{
	__m512i v = _mm512_add_epi32(acc, _mm512_set1_epi32(o->bias[m]));
	if (o->wzp)
		v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_set1_epi32(o->wzp[m]), xsum));
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_set1_ps(o->mult[m]));
	f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm512_add_ps(f, _mm512_set1_ps(o->zp));
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm512_min_ps(_mm512_max_ps(f, _mm512_set1_ps(o->lo)), _mm512_set1_ps(o->hi));
	_mm512_mask_cvtepi32_storeu_epi8(y, mask, _mm512_cvtps_epi32(f));
}

/* See eml_qgemm_fn. */
TARGET static void gemm_8x16c4(uint32_t mr, uint32_t nr, size_t kq, const void *wv,
			       const uint8_t *x, const int32_t *xsum, uint8_t *y, size_t y_stride,
			       const eml_qgemm_out *o, uint32_t m0)
{
	const int8_t *w = wv;
	__m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
		a6 = a0, a7 = a0;
	for (size_t q = 0; q < kq; q++, x += 64, w += 32) {
		__m512i xv = _mm512_loadu_si512(x);
		a0 = _mm512_dpbusd_epi32(a0, xv, wbcast(w, 0));
		a1 = _mm512_dpbusd_epi32(a1, xv, wbcast(w, 1));
		a2 = _mm512_dpbusd_epi32(a2, xv, wbcast(w, 2));
		a3 = _mm512_dpbusd_epi32(a3, xv, wbcast(w, 3));
		a4 = _mm512_dpbusd_epi32(a4, xv, wbcast(w, 4));
		a5 = _mm512_dpbusd_epi32(a5, xv, wbcast(w, 5));
		a6 = _mm512_dpbusd_epi32(a6, xv, wbcast(w, 6));
		a7 = _mm512_dpbusd_epi32(a7, xv, wbcast(w, 7));
	}
	__mmask16 mask = (__mmask16)((1u << nr) - 1);
	__m512i xs = o->wzp ? _mm512_loadu_si512(xsum) : _mm512_setzero_si512();
	const __m512i acc[8] = { a0, a1, a2, a3, a4, a5, a6, a7 };
	for (uint32_t r = 0; r < mr; r++)
		store_row(acc[r], xs, o, m0 + r, y + r * y_stride, mask);
}

const eml_qgemm_ukernel eml_qs8_gemm_8x16c4_avx512vnni = {
	.name = "qs8-gemm-8x16c4-avx512vnni",
	.mr = 8,
	.nr = 16,
	.kc = 4,
	.w_bytes = 1,
	.x_signed = 0,
	.fn = gemm_8x16c4,
};

#endif
