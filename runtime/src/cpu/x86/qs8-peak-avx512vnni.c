/* qs8-peak-avx512vnni.c — the int8 MAC rate a core can reach: independent vpdpbusd chains on
 * registers, no memory traffic, for `edgeml bench --peak`. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

/* Runs iters rounds of 12 independent vpdpbusd (64 MACs each); returns the MACs done. */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) uint64_t
eml_qs8_peak_avx512vnni(uint64_t iters)
{
	__m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-5);
	__m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0,
		c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
	for (uint64_t i = 0; i < iters; i++) {
		c0 = _mm512_dpbusd_epi32(c0, a, b);
		c1 = _mm512_dpbusd_epi32(c1, a, b);
		c2 = _mm512_dpbusd_epi32(c2, a, b);
		c3 = _mm512_dpbusd_epi32(c3, a, b);
		c4 = _mm512_dpbusd_epi32(c4, a, b);
		c5 = _mm512_dpbusd_epi32(c5, a, b);
		c6 = _mm512_dpbusd_epi32(c6, a, b);
		c7 = _mm512_dpbusd_epi32(c7, a, b);
		c8 = _mm512_dpbusd_epi32(c8, a, b);
		c9 = _mm512_dpbusd_epi32(c9, a, b);
		c10 = _mm512_dpbusd_epi32(c10, a, b);
		c11 = _mm512_dpbusd_epi32(c11, a, b);
		/* keeps the compiler from collapsing the chains */
		__asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5));
		__asm__ volatile("" : "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));
	}
	__m512i s = _mm512_add_epi32(_mm512_add_epi32(c0, c1), _mm512_add_epi32(c2, c3));
	s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_add_epi32(c4, c5), c6));
	s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_add_epi32(c7, c8), c9));
	s = _mm512_add_epi32(s, _mm512_add_epi32(c10, c11));
	__asm__ volatile("" : : "v"(s));
	return iters * 12 * 64;
}

#endif
