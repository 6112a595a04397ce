/* qs8-vmul-8x-avx2.c — QLinearMul micro-kernel: 8 elements at a time, the integer product
 * scaled by one fp32 multiply and one add, as the reference (and ONNX Runtime) computes it. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* n <= 8 bytes at p widened to int32 (zero-filled past n). */
TARGET static inline __m256i load(const uint8_t *p, size_t n, int is_signed)
{
	uint64_t v = 0;
	memcpy(&v, p, n);
	__m128i x = _mm_cvtsi64_si128((long long)v);
	return is_signed ? _mm256_cvtepi8_epi32(x) : _mm256_cvtepu8_epi32(x);
}

/* See eml_qmul_fn. */
void TARGET eml_qs8_vmul_8x_avx2(const eml_qmul_args *a)
{
	const __m256 ratio = _mm256_set1_ps(a->ratio), zc = _mm256_set1_ps(a->zc);
	const __m256 lo = _mm256_set1_ps(a->lo), hi = _mm256_set1_ps(a->hi);
	const __m256i za = _mm256_set1_epi32(a->za), zb = _mm256_set1_epi32(a->zb);
	const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, -1, -1);
	const __m256i join = _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1);
	int32_t b0 = a->is_signed ? (int32_t)(int8_t)a->b[0] : (int32_t)a->b[0];
	const __m256i pb_one = _mm256_set1_epi32(b0 - a->zb);
	for (size_t i = 0; i < a->n; i += 8) {
		size_t n = a->n - i < 8 ? a->n - i : 8;
		__m256i pa = _mm256_sub_epi32(load(a->a + i, n, a->is_signed), za);
		__m256i pb = a->b_step ? _mm256_sub_epi32(load(a->b + i, n, a->is_signed), zb) :
					 pb_one;
		/* |pa * pb| <= 255 * 255: exact in int32 and in fp32 */
		__m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(pa, pb)), ratio);
		__m256 q = _mm256_round_ps(_mm256_add_ps(v, zc),
					   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		/* max first: a NaN becomes lo, as the reference's !(r >= lo) */
		q = _mm256_min_ps(_mm256_max_ps(q, lo), hi);
		__m256i b = _mm256_shuffle_epi8(_mm256_cvtps_epi32(q), pick);
		b = _mm256_permutevar8x32_epi32(b, join);
		uint64_t bytes = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(b));
		memcpy(a->c + i, &bytes, n);
	}
}

#endif
