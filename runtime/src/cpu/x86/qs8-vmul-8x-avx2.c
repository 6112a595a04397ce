/* qs8-vmul-8x-avx2.c — QLinearMul micro-kernel: 8 elements at a time, the integer product
 * scaled by one fp32 multiply and one add, as the reference (and ONNX Runtime) computes it. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* 8 bytes at p widened to int32. */
TARGET static inline __m256i load8(const uint8_t *p, int is_signed)
{
	__m128i x = _mm_loadl_epi64((const __m128i *)p);
	return is_signed ? _mm256_cvtepi8_epi32(x) : _mm256_cvtepu8_epi32(x);
}

/* 8 results of one block (pa, pb: the operands less their zero points) as bytes. */
TARGET static inline __m128i mul8(__m256i pa, __m256i pb, __m256 ratio, __m256 zc, __m256 lo,
				  __m256 hi)
{
	/* |pa * pb| <= 255 * 255: exact in int32 and in fp32 */
	__m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(pa, pb)), ratio);
	__m256 q = _mm256_round_ps(_mm256_add_ps(v, zc),
				   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	/* max first: a NaN becomes lo, as the reference's !(r >= lo) */
	q = _mm256_min_ps(_mm256_max_ps(q, lo), hi);
	__m256i w = _mm256_cvtps_epi32(q); /* in [-128, 255]: the low byte is the result */
	__m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
	return _mm_shuffle_epi8(w16, _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1,
						   -1, -1, -1));
}

/* See eml_qmul_fn. */
void TARGET eml_qs8_vmul_8x_avx2(const eml_qmul_args *a)
{
	const __m256 ratio = _mm256_set1_ps(a->ratio), zc = _mm256_set1_ps(a->zc);
	const __m256 lo = _mm256_set1_ps(a->lo), hi = _mm256_set1_ps(a->hi);
	const __m256i za = _mm256_set1_epi32(a->za), zb = _mm256_set1_epi32(a->zb);
	int32_t b0 = a->is_signed ? (int32_t)(int8_t)a->b[0] : (int32_t)a->b[0];
	const __m256i pb_one = _mm256_set1_epi32(b0 - a->zb);
	size_t i = 0;
	for (; i + 8 <= a->n; i += 8) {
		__m256i pa = _mm256_sub_epi32(load8(a->a + i, a->is_signed), za);
		__m256i pb = a->b_step ? _mm256_sub_epi32(load8(a->b + i, a->is_signed), zb) :
					 pb_one;
		_mm_storel_epi64((__m128i *)(a->c + i), mul8(pa, pb, ratio, zc, lo, hi));
	}
	if (i < a->n) { /* the last 1-7 through a buffer: no read or write past n */
		size_t n = a->n - i;
		uint8_t ta[8] = { 0 }, tb[8] = { 0 }, tc[8];
		memcpy(ta, a->a + i, n);
		if (a->b_step)
			memcpy(tb, a->b + i, n);
		__m256i pa = _mm256_sub_epi32(load8(ta, a->is_signed), za);
		__m256i pb = a->b_step ? _mm256_sub_epi32(load8(tb, a->is_signed), zb) : pb_one;
		_mm_storel_epi64((__m128i *)tc, mul8(pa, pb, ratio, zc, lo, hi));
		memcpy(a->c + i, tc, n);
	}
}

#endif
