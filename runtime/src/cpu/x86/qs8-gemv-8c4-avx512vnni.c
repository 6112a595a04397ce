/* qs8-gemv-8c4-avx512vnni.c — int8 matrix-vector micro-kernel over the 8x32c4 kernel's packed
 * weights: one 512-bit load holds two k groups of a block's 8 rows, multiplied (vpdpbusd)
 * by the vector's two matching groups of 4 bytes, each broadcast over 8 lanes; the halves
 * are added at the end. A one-row matrix product then uses every lane, where the GEMM
 * kernel would use 1 of its 32 columns. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

/* Rows per packed block (the 8x32c4 kernel's mr) and bytes of one k group of a block. */
#define MR 8
#define GROUP (MR * 4)

/* Requantizes the 8 row sums in the low half of acc (rows m0.., mask selects) and stores
 * them: the GEMM kernel's arithmetic, lane for lane. */
TARGET static inline void store8(__m512i acc, int32_t xsum, const eml_qgemm_out *o, uint32_t m0,
				 uint8_t *y, __mmask16 mask)
{
	__m512i v = _mm512_add_epi32(acc, _mm512_maskz_loadu_epi32(mask, o->bias + m0));
	if (o->wzp)
		v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_maskz_loadu_epi32(mask,
										   o->wzp + m0),
							   _mm512_set1_epi32(xsum)));
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_maskz_loadu_ps(mask, o->mult + m0));
	f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm512_add_ps(f, _mm512_set1_ps(o->zp));
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm512_min_ps(_mm512_max_ps(f, _mm512_set1_ps(o->lo)), _mm512_set1_ps(o->hi));
	_mm512_mask_cvtepi32_storeu_epi8(y, mask, _mm512_cvtps_epi32(f));
}

/* Adds the upper 8 lanes of acc to the lower 8. */
TARGET static inline __m512i fold(__m512i acc)
{
	return _mm512_add_epi32(acc, _mm512_shuffle_i64x2(acc, acc, _MM_SHUFFLE(1, 0, 3, 2)));
}

/* Broadcasts the 4 bytes at x to every lane. */
TARGET static inline __m512i bcast4(const uint8_t *x)
{
	int32_t v;
	memcpy(&v, x, 4);
	return _mm512_set1_epi32(v);
}

/* Loads the two groups of 4 bytes at x: the first into lanes 0-7, the second into 8-15. */
TARGET static inline __m512i bcast2x4(const uint8_t *x, __m512i idx)
{
	return _mm512_permutexvar_epi32(idx, _mm512_castsi128_si512(_mm_loadl_epi64(
						     (const __m128i *)(const void *)x)));
}

/* See eml_qgemv_fn. */
void TARGET eml_qs8_gemv_8c4_avx512vnni(size_t m, size_t kq, const void *wv, size_t w_block,
					 const uint8_t *x, int32_t xsum, uint8_t *y,
					 const eml_qgemm_out *o, uint32_t m0)
{
	const __m512i idx = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
	const __mmask16 odd = 0x00ff;
	size_t pairs = kq / 2;
	size_t i = 0;
	/* two blocks per pass share each broadcast vector */
	for (; i + 2 * MR <= m; i += 2 * MR) {
		const uint8_t *w0 = (const uint8_t *)wv + (i / MR) * w_block, *w1 = w0 + w_block;
		__m512i a0 = _mm512_setzero_si512(), a1 = a0;
		for (size_t q = 0; q < pairs; q++) {
			__m512i xv = bcast2x4(x + 8 * q, idx);
			a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_loadu_si512(w0 + 2 * GROUP * q));
			a1 = _mm512_dpbusd_epi32(a1, xv, _mm512_loadu_si512(w1 + 2 * GROUP * q));
		}
		if (kq % 2) {
			__m512i xv = bcast4(x + 8 * pairs);
			size_t at = 2 * GROUP * pairs;
			a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_maskz_loadu_epi32(odd, w0 + at));
			a1 = _mm512_dpbusd_epi32(a1, xv, _mm512_maskz_loadu_epi32(odd, w1 + at));
		}
		store8(fold(a0), xsum, o, m0 + (uint32_t)i, y + i, odd);
		store8(fold(a1), xsum, o, m0 + (uint32_t)i + MR, y + i + MR, odd);
	}
	for (; i < m; i += MR) {
		const uint8_t *w0 = (const uint8_t *)wv + (i / MR) * w_block;
		__m512i a0 = _mm512_setzero_si512();
		for (size_t q = 0; q < pairs; q++) {
			__m512i xv = bcast2x4(x + 8 * q, idx);
			a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_loadu_si512(w0 + 2 * GROUP * q));
		}
		if (kq % 2) {
			__m512i xv = bcast4(x + 8 * pairs);
			a0 = _mm512_dpbusd_epi32(
				a0, xv, _mm512_maskz_loadu_epi32(odd, w0 + 2 * GROUP * pairs));
		}
		size_t rows = m - i < MR ? m - i : MR;
		store8(fold(a0), xsum, o, m0 + (uint32_t)i, y + i, (__mmask16)((1u << rows) - 1));
	}
}

#endif
