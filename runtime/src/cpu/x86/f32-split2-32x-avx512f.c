/* f32-split2-32x-avx512f.c — the even and odd floats of a row apart (the stride-2 phase
 * planes' column split, fast_fplane.c): 32 input floats a step, two loads and two
 * two-register permutes; a masked last step, so that nothing past 2 n is read. A copy:
 * bit-exact. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* See eml_f32_split2_fn. */
void __attribute__((target("avx512f")))
eml_f32_split2_32x_avx512f(const float *src, size_t n, float *even, float *odd)
{
	const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
	const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512 a = _mm512_loadu_ps(src + 2 * i), b = _mm512_loadu_ps(src + 2 * i + 16);
		_mm512_storeu_ps(even + i, _mm512_permutex2var_ps(a, ie, b));
		_mm512_storeu_ps(odd + i, _mm512_permutex2var_ps(a, io, b));
	}
	if (i < n) {
		size_t m = n - i; /* 1..15 outputs each, 2 m inputs */
		__mmask16 lo = (__mmask16)(m >= 8 ? 0xffff : (1u << (2 * m)) - 1);
		__mmask16 hi = (__mmask16)(m > 8 ? (1u << (2 * (m - 8))) - 1 : 0);
		__mmask16 out = (__mmask16)((1u << m) - 1);
		__m512 a = _mm512_maskz_loadu_ps(lo, src + 2 * i);
		__m512 b = _mm512_maskz_loadu_ps(hi, src + 2 * i + 16);
		_mm512_mask_storeu_ps(even + i, out, _mm512_permutex2var_ps(a, ie, b));
		_mm512_mask_storeu_ps(odd + i, out, _mm512_permutex2var_ps(a, io, b));
	}
}

#endif
