/* qs8-peak-avx2.c — the int8 MAC rate a core reaches with the AVX2 kernels' instructions:
 * independent vpmaddwd + vpaddd chains on registers, for `edgeml bench --peak`. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

/* Runs iters rounds of 8 independent vpmaddwd/vpaddd pairs (16 MACs each); returns the MACs
 * done. */
__attribute__((target("avx2"))) uint64_t eml_qs8_peak_avx2(uint64_t iters)
{
	__m256i a = _mm256_set1_epi16(3), b = _mm256_set1_epi16(-5);
	__m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0,
		c7 = c0;
	for (uint64_t i = 0; i < iters; i++) {
		c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(a, b));
		c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(a, b));
		c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(a, b));
		c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(a, b));
		c4 = _mm256_add_epi32(c4, _mm256_madd_epi16(a, b));
		c5 = _mm256_add_epi32(c5, _mm256_madd_epi16(a, b));
		c6 = _mm256_add_epi32(c6, _mm256_madd_epi16(a, b));
		c7 = _mm256_add_epi32(c7, _mm256_madd_epi16(a, b));
		/* keeps the compiler from hoisting the products or collapsing the chains */
		__asm__ volatile("" : "+x"(a), "+x"(b), "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3));
		__asm__ volatile("" : "+x"(c4), "+x"(c5), "+x"(c6), "+x"(c7));
	}
	__m256i s = _mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3));
	s = _mm256_add_epi32(s,
			     _mm256_add_epi32(_mm256_add_epi32(c4, c5), _mm256_add_epi32(c6, c7)));
	__asm__ volatile("" : : "x"(s));
	return iters * 8 * 16;
}

#endif
