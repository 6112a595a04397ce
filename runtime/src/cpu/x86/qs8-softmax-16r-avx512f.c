/* qs8-softmax-16r-avx512f.c — QLinearSoftmax of 16 rows at once (eml_qsoftmax_rows_fn):
 * each row's maximum and table entries row by row, then the 16 row sums across the lanes of
 * one register, lane r adding row r's entries in order (a gather per column), so every sum
 * is the reference's sequential fp32 sum; then each row quantized 16 elements at a time. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw")))
#define ROWS 16

/* The mask of the first n (< 64) lanes, or all when n >= 64. */
TARGET static inline __mmask64 first64(size_t n)
{
	return n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
}

/* The largest byte of row x (len bytes, each ^ f). */
TARGET static uint32_t row_max(const uint8_t *x, size_t len, __m512i f)
{
	__m512i m = _mm512_setzero_si512();
	for (size_t j = 0; j < len; j += 64) {
		__mmask64 k = first64(len - j);
		__m512i v = _mm512_maskz_loadu_epi8(k, x + j);
		m = _mm512_max_epu8(m, _mm512_maskz_mov_epi8(k, _mm512_xor_si512(v, f)));
	}
	__m256i h = _mm256_max_epu8(_mm512_castsi512_si256(m), _mm512_extracti64x4_epi64(m, 1));
	__m128i q = _mm_max_epu8(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 8));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 4));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 2));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 1));
	return (uint32_t)_mm_cvtsi128_si32(q) & 0xff;
}

/* See eml_qsoftmax_rows_fn. */
void TARGET eml_qs8_softmax_16r_avx512f(const eml_qsoftmax_rows_args *a)
{
	const size_t len = a->len;
	const __m512i f = _mm512_set1_epi8((char)a->flip);
	const __m512i f32 = _mm512_set1_epi32(a->flip);
	/* the entries of each row, row-major in w */
	for (size_t r = 0; r < ROWS; r++) {
		const uint8_t *x = a->x + r * len;
		float *w = a->w + r * len;
		__m512i mx = _mm512_set1_epi32((int)row_max(x, len, f));
		for (size_t j = 0; j < len; j += 16) {
			__mmask16 k = len - j >= 16 ? (__mmask16)0xffff :
						      (__mmask16)((1u << (len - j)) - 1);
			__m512i b = _mm512_maskz_loadu_epi8((__mmask64)k, x + j);
			__m512i d = _mm512_sub_epi32(
				mx, _mm512_xor_si512(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(b)),
						     f32));
			__m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, d, a->e, 4);
			_mm512_mask_storeu_ps(w + j, k, v);
		}
	}
	/* the sums: lane r adds w[r * len + j] for j = 0, 1, ... */
	const __m512i idx = _mm512_mullo_epi32(
		_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
		_mm512_set1_epi32((int)len));
	__m512 sum = _mm512_setzero_ps();
	for (size_t j = 0; j < len; j++)
		sum = _mm512_add_ps(sum, _mm512_i32gather_ps(idx, a->w + j, 4));
	float sums[ROWS];
	_mm512_storeu_ps(sums, sum);
	const __m512 ym = _mm512_set1_ps(a->y_mult), yz = _mm512_set1_ps(a->yz);
	const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
	const __m512 big = _mm512_set1_ps(0x1p23f);
	for (size_t r = 0; r < ROWS; r++) {
		const float *w = a->w + r * len;
		uint8_t *y = a->y + r * len;
		const __m512 s = _mm512_set1_ps(sums[r]);
		for (size_t j = 0; j < len; j += 16) {
			size_t n = len - j >= 16 ? 16 : len - j;
			__mmask16 k = (__mmask16)(n == 16 ? 0xffff : (1u << n) - 1);
			__m512 v = _mm512_maskz_loadu_ps(k, w + j);
			v = _mm512_div_ps(_mm512_mul_ps(v, ym), s);
			v = _mm512_add_ps(_mm512_sub_ps(_mm512_add_ps(v, big), big), yz);
			v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
			__m128i q = _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v));
			if (n == 16) {
				_mm_storeu_si128((__m128i *)(y + j), q);
			} else {
				uint8_t t[16];
				_mm_storeu_si128((__m128i *)t, q);
				memcpy(y + j, t, n);
			}
		}
	}
}

#endif
