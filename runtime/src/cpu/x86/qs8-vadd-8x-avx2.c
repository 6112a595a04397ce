/* qs8-vadd-8x-avx2.c — QLinearAdd micro-kernel: 8 elements at a time, two
 * fused multiply-adds in fp32, as the reference (and ONNX Runtime) computes them. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2,fma")))

/* n <= 8 bytes at p widened to int32 (zero-filled past n). */
TARGET static inline __m256i load(const uint8_t *p, size_t n, int is_signed)
{
	uint64_t v = 0;
	memcpy(&v, p, n);
	__m128i x = _mm_cvtsi64_si128((long long)v);
	return is_signed ? _mm256_cvtepi8_epi32(x) : _mm256_cvtepu8_epi32(x);
}

/* See eml_qadd_fn. */
void TARGET eml_qs8_vadd_8x_avx2(const eml_qadd_args *a)
{
	const __m256 ra = _mm256_set1_ps(a->ra), rb = _mm256_set1_ps(a->rb);
	const __m256 k = _mm256_set1_ps(a->k);
	const __m256 lo = _mm256_set1_ps(a->lo), hi = _mm256_set1_ps(a->hi);
	const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, -1, -1);
	for (size_t i = 0; i < a->n; i += 8) {
		size_t n = a->n - i < 8 ? a->n - i : 8;
		__m256 fa = _mm256_cvtepi32_ps(load(a->a + i, n, a->is_signed));
		__m256 fb = _mm256_cvtepi32_ps(load(a->b + i, n, a->is_signed));
		__m256 q = _mm256_fmadd_ps(fa, ra, _mm256_fmadd_ps(fb, rb, k));
		q = _mm256_round_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		q = _mm256_min_ps(_mm256_max_ps(q, lo), hi);
		__m256i b = _mm256_shuffle_epi8(_mm256_cvtps_epi32(q), pick);
		b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
		uint64_t bytes = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(b));
		memcpy(a->c + i, &bytes, n);
	}
}

#endif
