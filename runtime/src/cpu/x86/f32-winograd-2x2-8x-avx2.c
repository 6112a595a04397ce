/* f32-winograd-2x2-8x-avx2.c — the Winograd F(2x2, 3x3) input and output transforms of 8
 * tiles side by side in one tile row, one tile per lane. The operations and their order are
 * fwinograd.c's portable loops' (no fused multiply-add), so the results are bit-identical. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define RUN 8

/* The lane mask of the n (may be <= 0 or >= 8) first lanes. */
static inline __attribute__((target("avx2"))) __m256i lanes(int32_t n)
{
	return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The even (*e) and odd (*o) floats of p[0..16), in order. */
static inline __attribute__((target("avx2"))) void deinterleave(const float *p, __m256 *e,
								__m256 *o)
{
	__m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
	/* [a0 a2 b0 b2 | a4 a6 b4 b6]: 64-bit lanes 0 2 1 3 put it in order */
	__m256 ev = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
	__m256 od = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
	*e = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xd8));
	*o = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(od), 0xd8));
}

/* See eml_f32_wino_in_fn. */
static void __attribute__((target("avx2"))) wino_in_8x(const float *d, size_t ds, float *v,
							size_t vs, uint32_t n)
{
	__m256 c[4][4]; /* [row][column of the tile], a tile per lane */
	for (int i = 0; i < 4; i++) {
		deinterleave(d + i * ds, &c[i][0], &c[i][1]);
		deinterleave(d + i * ds + 2, &c[i][2], &c[i][3]);
	}
	__m256 t[4][4]; /* B^T d */
	for (int k = 0; k < 4; k++) {
		t[0][k] = _mm256_sub_ps(c[0][k], c[2][k]);
		t[1][k] = _mm256_add_ps(c[1][k], c[2][k]);
		t[2][k] = _mm256_sub_ps(c[2][k], c[1][k]);
		t[3][k] = _mm256_sub_ps(c[1][k], c[3][k]);
	}
	__m256i mask = lanes((int32_t)n);
	for (int i = 0; i < 4; i++) {
		float *o = v + (size_t)i * 4 * vs;
		__m256 o0 = _mm256_sub_ps(t[i][0], t[i][2]);
		__m256 o1 = _mm256_add_ps(t[i][1], t[i][2]);
		__m256 o2 = _mm256_sub_ps(t[i][2], t[i][1]);
		__m256 o3 = _mm256_sub_ps(t[i][1], t[i][3]);
		if (n >= RUN) {
			_mm256_storeu_ps(o, o0);
			_mm256_storeu_ps(o + vs, o1);
			_mm256_storeu_ps(o + 2 * vs, o2);
			_mm256_storeu_ps(o + 3 * vs, o3);
		} else {
			_mm256_maskstore_ps(o, mask, o0);
			_mm256_maskstore_ps(o + vs, mask, o1);
			_mm256_maskstore_ps(o + 2 * vs, mask, o2);
			_mm256_maskstore_ps(o + 3 * vs, mask, o3);
		}
	}
}

/* eml_clampf on a vector: max and min return their second operand when either is NaN, so lo
 * first keeps a NaN v, and -0 stays -0 against a +0 bound, as the scalar comparisons do. */
static inline __attribute__((target("avx2"))) __m256 clamp(__m256 v, __m256 lo, __m256 hi)
{
	return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
}

/* See eml_f32_wino_out_fn. */
static void __attribute__((target("avx2"))) wino_out_8x(const float *m, size_t ms, float bias,
							 float lo, float hi, float *y, size_t ys,
							 uint32_t n)
{
	__m256i mask = lanes((int32_t)n);
	__m256 s[2][4]; /* A^T M */
	for (int k = 0; k < 4; k++) {
		__m256 a, b, c, d;
		if (n >= RUN) {
			a = _mm256_loadu_ps(m + k * ms);
			b = _mm256_loadu_ps(m + (4 + k) * ms);
			c = _mm256_loadu_ps(m + (8 + k) * ms);
			d = _mm256_loadu_ps(m + (12 + k) * ms);
		} else {
			a = _mm256_maskload_ps(m + k * ms, mask);
			b = _mm256_maskload_ps(m + (4 + k) * ms, mask);
			c = _mm256_maskload_ps(m + (8 + k) * ms, mask);
			d = _mm256_maskload_ps(m + (12 + k) * ms, mask);
		}
		s[0][k] = _mm256_add_ps(_mm256_add_ps(a, b), c);
		s[1][k] = _mm256_sub_ps(_mm256_sub_ps(b, c), d);
	}
	__m256 vb = _mm256_set1_ps(bias), vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
	__m256i m0 = lanes(2 * (int32_t)n), m1 = lanes(2 * (int32_t)n - 8);
	for (int i = 0; i < 2; i++) {
		__m256 o0 = _mm256_add_ps(
			_mm256_add_ps(_mm256_add_ps(s[i][0], s[i][1]), s[i][2]), vb);
		__m256 o1 = _mm256_add_ps(
			_mm256_sub_ps(_mm256_sub_ps(s[i][1], s[i][2]), s[i][3]), vb);
		o0 = clamp(o0, vlo, vhi);
		o1 = clamp(o1, vlo, vhi);
		/* interleave: [e0 o0 e1 o1 | e4 o4 e5 o5] and [e2 o2 e3 o3 | e6 o6 e7 o7] */
		__m256 lo4 = _mm256_unpacklo_ps(o0, o1), hi4 = _mm256_unpackhi_ps(o0, o1);
		__m256 r0 = _mm256_permute2f128_ps(lo4, hi4, 0x20);
		__m256 r1 = _mm256_permute2f128_ps(lo4, hi4, 0x31);
		float *yr = y + (size_t)i * ys;
		if (n >= RUN) {
			_mm256_storeu_ps(yr, r0);
			_mm256_storeu_ps(yr + 8, r1);
		} else {
			_mm256_maskstore_ps(yr, m0, r0);
			_mm256_maskstore_ps(yr + 8, m1, r1);
		}
	}
}

const eml_f32_wino_ukernel eml_f32_winograd_2x2_8x_avx2 = {
	.name = "f32-winograd-2x2-8x-avx2", .run = RUN, .in = wino_in_8x, .out = wino_out_8x,
};

#endif
