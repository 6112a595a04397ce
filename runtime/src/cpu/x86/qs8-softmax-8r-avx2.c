/* qs8-softmax-8r-avx2.c — QLinearSoftmax of 8 rows at once (eml_qsoftmax_rows_fn): each
 * row's maximum and table entries row by row, then the 8 row sums across the lanes of one
 * register, lane r adding row r's entries in order (a gather per column), so every sum is the
 * reference's sequential fp32 sum; then each row quantized 8 elements at a time. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))
#define ROWS 8

/* The largest byte of row x (len bytes, each ^ flip). */
TARGET static uint32_t row_max(const uint8_t *x, size_t len, uint8_t flip)
{
	const __m256i f = _mm256_set1_epi8((char)flip);
	__m256i m = _mm256_setzero_si256();
	size_t j = 0;
	for (; j + 32 <= len; j += 32)
		m = _mm256_max_epu8(m, _mm256_xor_si256(
					       _mm256_loadu_si256((const __m256i *)(x + j)), f));
	__m128i q = _mm_max_epu8(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 8));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 4));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 2));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 1));
	uint32_t mx = (uint32_t)_mm_cvtsi128_si32(q) & 0xff;
	for (; j < len; j++) {
		uint32_t u = (uint32_t)(x[j] ^ flip);
		mx = u > mx ? u : mx;
	}
	return mx;
}

/* One element's byte, as the vector lanes compute it. */
static inline uint8_t quantize1(const eml_qsoftmax_rows_args *a, float w, float s)
{
	float v = ((w * a->y_mult / s + 0x1p23f) - 0x1p23f) + a->yz;
	v = v < a->lo ? a->lo : v > a->hi ? a->hi : v;
	return (uint8_t)(int32_t)v;
}

/* See eml_qsoftmax_rows_fn. */
void TARGET eml_qs8_softmax_8r_avx2(const eml_qsoftmax_rows_args *a)
{
	const size_t len = a->len;
	const __m256i f32 = _mm256_set1_epi32(a->flip);
	for (size_t r = 0; r < ROWS; r++) {
		const uint8_t *x = a->x + r * len;
		float *w = a->w + r * len;
		uint32_t m = row_max(x, len, a->flip);
		const __m256i mx = _mm256_set1_epi32((int)m);
		size_t j = 0;
		for (; j + 8 <= len; j += 8) {
			__m128i b = _mm_loadl_epi64((const __m128i *)(x + j));
			__m256i d = _mm256_sub_epi32(
				mx, _mm256_xor_si256(_mm256_cvtepu8_epi32(b), f32));
			_mm256_storeu_ps(w + j, _mm256_i32gather_ps(a->e, d, 4));
		}
		for (; j < len; j++)
			w[j] = a->e[m - (uint32_t)(x[j] ^ a->flip)];
	}
	const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
					       _mm256_set1_epi32((int)len));
	__m256 sum = _mm256_setzero_ps();
	for (size_t j = 0; j < len; j++)
		sum = _mm256_add_ps(sum, _mm256_i32gather_ps(a->w + j, idx, 4));
	float sums[ROWS];
	_mm256_storeu_ps(sums, sum);
	const __m256 ym = _mm256_set1_ps(a->y_mult), yz = _mm256_set1_ps(a->yz);
	const __m256 lo = _mm256_set1_ps(a->lo), hi = _mm256_set1_ps(a->hi);
	const __m256 big = _mm256_set1_ps(0x1p23f);
	const int sgn = a->flip != 0;
	for (size_t r = 0; r < ROWS; r++) {
		const float *w = a->w + r * len;
		uint8_t *y = a->y + r * len;
		const __m256 s = _mm256_set1_ps(sums[r]);
		size_t j = 0;
		for (; j + 8 <= len; j += 8) {
			__m256 v = _mm256_div_ps(_mm256_mul_ps(_mm256_loadu_ps(w + j), ym), s);
			v = _mm256_add_ps(_mm256_sub_ps(_mm256_add_ps(v, big), big), yz);
			v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
			__m256i i = _mm256_cvtps_epi32(v);
			__m128i p = _mm_packs_epi32(_mm256_castsi256_si128(i),
						    _mm256_extracti128_si256(i, 1));
			p = sgn ? _mm_packs_epi16(p, p) : _mm_packus_epi16(p, p);
			_mm_storel_epi64((__m128i *)(y + j), p);
		}
		for (; j < len; j++)
			y[j] = quantize1(a, w[j], sums[r]);
	}
}

#endif
