/* f32-winograd-2x2-16x-avx512f.c — the Winograd F(2x2, 3x3) input and output transforms of
 * 16 tiles side by side in one tile row, one tile per lane of a 512-bit vector. The
 * operations and their order are fwinograd.c's portable loops' (no fused multiply-add), as
 * in the 8-tile AVX2 kernel, so the results are bit-identical to both; the even / odd column
 * split and the merge back are one two-source permute each, and short runs take mask
 * registers instead of vmaskmov. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define RUN 16

/* The mask of the n (may be <= 0 or >= 16) first lanes. */
static inline __mmask16 lanes(int32_t n)
{
	return n <= 0 ? (__mmask16)0 : n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
}

/* The even (*e) and odd (*o) floats of p[0..32), in order. */
static inline __attribute__((target("avx512f"))) void deinterleave(const float *p, __m512 *e,
								  __m512 *o)
{
	const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
					     28, 30);
	const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27,
					     29, 31);
	__m512 a = _mm512_loadu_ps(p), b = _mm512_loadu_ps(p + 16);
	*e = _mm512_permutex2var_ps(a, ie, b);
	*o = _mm512_permutex2var_ps(a, io, b);
}

/* See eml_f32_wino_in_fn. */
static void __attribute__((target("avx512f"))) wino_in_16x(const float *d, size_t ds, float *v,
							    size_t vs, uint32_t n)
{
	__m512 c[4][4]; /* [row][column of the tile], a tile per lane */
	for (int i = 0; i < 4; i++) {
		deinterleave(d + i * ds, &c[i][0], &c[i][1]);
		deinterleave(d + i * ds + 2, &c[i][2], &c[i][3]);
	}
	__m512 t[4][4]; /* B^T d */
	for (int k = 0; k < 4; k++) {
		t[0][k] = _mm512_sub_ps(c[0][k], c[2][k]);
		t[1][k] = _mm512_add_ps(c[1][k], c[2][k]);
		t[2][k] = _mm512_sub_ps(c[2][k], c[1][k]);
		t[3][k] = _mm512_sub_ps(c[1][k], c[3][k]);
	}
	__mmask16 mask = lanes((int32_t)n);
	for (int i = 0; i < 4; i++) {
		float *o = v + (size_t)i * 4 * vs;
		_mm512_mask_storeu_ps(o, mask, _mm512_sub_ps(t[i][0], t[i][2]));
		_mm512_mask_storeu_ps(o + vs, mask, _mm512_add_ps(t[i][1], t[i][2]));
		_mm512_mask_storeu_ps(o + 2 * vs, mask, _mm512_sub_ps(t[i][2], t[i][1]));
		_mm512_mask_storeu_ps(o + 3 * vs, mask, _mm512_sub_ps(t[i][1], t[i][3]));
	}
}

/* See eml_f32_wino_out_fn. Clamps as eml_clampf: max and min return their second operand
 * when either is NaN, so lo first keeps a NaN, and -0 stays -0 against a +0 bound. */
static void __attribute__((target("avx512f"))) wino_out_16x(const float *m, size_t ms,
							     float bias, float lo, float hi,
							     float *y, size_t ys, uint32_t n)
{
	const __m512i ilo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22,
					      7, 23);
	const __m512i ihi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14,
					      30, 15, 31);
	__mmask16 mask = lanes((int32_t)n);
	__m512 s[2][4]; /* A^T M */
	for (int k = 0; k < 4; k++) {
		__m512 a = _mm512_maskz_loadu_ps(mask, m + k * ms);
		__m512 b = _mm512_maskz_loadu_ps(mask, m + (4 + k) * ms);
		__m512 c = _mm512_maskz_loadu_ps(mask, m + (8 + k) * ms);
		__m512 d = _mm512_maskz_loadu_ps(mask, m + (12 + k) * ms);
		s[0][k] = _mm512_add_ps(_mm512_add_ps(a, b), c);
		s[1][k] = _mm512_sub_ps(_mm512_sub_ps(b, c), d);
	}
	__m512 vb = _mm512_set1_ps(bias), vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
	__mmask16 m0 = lanes(2 * (int32_t)n), m1 = lanes(2 * (int32_t)n - 16);
	for (int i = 0; i < 2; i++) {
		__m512 o0 = _mm512_add_ps(
			_mm512_add_ps(_mm512_add_ps(s[i][0], s[i][1]), s[i][2]), vb);
		__m512 o1 = _mm512_add_ps(
			_mm512_sub_ps(_mm512_sub_ps(s[i][1], s[i][2]), s[i][3]), vb);
		o0 = _mm512_min_ps(vhi, _mm512_max_ps(vlo, o0));
		o1 = _mm512_min_ps(vhi, _mm512_max_ps(vlo, o1));
		float *yr = y + (size_t)i * ys;
		_mm512_mask_storeu_ps(yr, m0, _mm512_permutex2var_ps(o0, ilo, o1));
		_mm512_mask_storeu_ps(yr + 16, m1, _mm512_permutex2var_ps(o0, ihi, o1));
	}
}

const eml_f32_wino_ukernel eml_f32_winograd_2x2_16x_avx512f = {
	.name = "f32-winograd-2x2-16x-avx512f", .run = RUN, .in = wino_in_16x,
	.out = wino_out_16x,
};

#endif
