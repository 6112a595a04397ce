/* f32-peak-avx2.c — the float32 MAC rate a core can reach: independent vfmadd chains on
 * registers, no memory traffic, for `edgeml bench --peak`. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* Runs iters rounds of 12 independent vfmadd231ps (8 MACs each); returns the MACs done. */
__attribute__((target("avx2,fma"))) uint64_t eml_f32_peak_avx2(uint64_t iters)
{
	__m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
	__m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0,
	       c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
	for (uint64_t i = 0; i < iters; i++) {
		c0 = _mm256_fmadd_ps(a, b, c0);
		c1 = _mm256_fmadd_ps(a, b, c1);
		c2 = _mm256_fmadd_ps(a, b, c2);
		c3 = _mm256_fmadd_ps(a, b, c3);
		c4 = _mm256_fmadd_ps(a, b, c4);
		c5 = _mm256_fmadd_ps(a, b, c5);
		c6 = _mm256_fmadd_ps(a, b, c6);
		c7 = _mm256_fmadd_ps(a, b, c7);
		c8 = _mm256_fmadd_ps(a, b, c8);
		c9 = _mm256_fmadd_ps(a, b, c9);
		c10 = _mm256_fmadd_ps(a, b, c10);
		c11 = _mm256_fmadd_ps(a, b, c11);
		/* keeps the compiler from collapsing the chains */
		__asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5));
		__asm__ volatile("" : "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));
	}
	__m256 s = _mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3));
	s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c4, c5), c6));
	s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c7, c8), c9));
	s = _mm256_add_ps(s, _mm256_add_ps(c10, c11));
	__asm__ volatile("" : : "v"(s));
	return iters * 12 * 8;
}

#endif
