/* f32-gemm-8x32-minmax-avx512f.c — float GEMM micro-kernel: 8 rows x 32 columns (two
 * vectors) of fused multiply-adds per k step, then the reference's epilogue. A tile of at
 * most 16 columns runs the first vector only, one row the first row only. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define MR 8

/* Applies the epilogue to one vector of row i (bias b of the row's, cb the columns') and
 * stores the lanes of mask. */
static inline __attribute__((target("avx512f"))) void store_row(__m512 v, float *c,
								__mmask16 mask,
								const eml_f32_minmax *p,
								__m512 cb, uint32_t i)
{
	if (p->scale)
		v = _mm512_mul_ps(v, _mm512_set1_ps(p->alpha));
	if (p->row_bias)
		v = _mm512_add_ps(v, _mm512_set1_ps(p->row_bias[i]));
	if (p->col_bias)
		v = _mm512_add_ps(v, cb);
	/* max/min return their second operand when either is NaN: lo first keeps a NaN v, as
	 * eml_clampf does */
	v = _mm512_max_ps(_mm512_set1_ps(p->lo), v);
	v = _mm512_min_ps(_mm512_set1_ps(p->hi), v);
	_mm512_mask_storeu_ps(c, mask, v);
}

/* See eml_f32_gemm_fn. */
static void __attribute__((target("avx512f")))
gemm_8x32(uint32_t mr, uint32_t nr, size_t k, const float *a, const float *b, const size_t *off,
	  float *c, size_t c_stride, const eml_f32_minmax *p)
{
	__m512 acc[MR][2];
#pragma GCC unroll 8
	for (int i = 0; i < MR; i++)
		acc[i][0] = acc[i][1] = _mm512_setzero_ps();
	if (mr == 1) {
		/* one row (a matrix-vector product): the other rows' FMAs would be wasted */
		for (size_t kk = 0; kk < k; kk++, a += MR) {
			const float *bk = b + off[kk];
			__m512 ai = _mm512_set1_ps(a[0]);
			acc[0][0] = _mm512_fmadd_ps(ai, _mm512_loadu_ps(bk), acc[0][0]);
			acc[0][1] = _mm512_fmadd_ps(ai, _mm512_loadu_ps(bk + 16), acc[0][1]);
		}
	} else if (nr <= 16) {
		/* a narrow ragged tile (a plane's last columns): the second vector would hold
		 * no column; the first's sums are the same */
		for (size_t kk = 0; kk < k; kk++, a += MR) {
			__m512 b0 = _mm512_loadu_ps(b + off[kk]);
#pragma GCC unroll 8
			for (int i = 0; i < MR; i++)
				acc[i][0] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, acc[i][0]);
		}
	} else {
		for (size_t kk = 0; kk < k; kk++, a += MR) {
			const float *bk = b + off[kk];
			__m512 b0 = _mm512_loadu_ps(bk), b1 = _mm512_loadu_ps(bk + 16);
#pragma GCC unroll 8
			for (int i = 0; i < MR; i++) {
				__m512 ai = _mm512_set1_ps(a[i]);
				acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
				acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
			}
		}
	}
	uint32_t n0 = nr < 16 ? nr : 16, n1 = nr - n0;
	__mmask16 m0 = (__mmask16)((1u << n0) - 1), m1 = (__mmask16)((1u << n1) - 1);
	__m512 cb0 = _mm512_setzero_ps(), cb1 = _mm512_setzero_ps();
	if (p->col_bias) {
		cb0 = _mm512_maskz_loadu_ps(m0, p->col_bias);
		cb1 = _mm512_maskz_loadu_ps(m1, p->col_bias + 16);
	}
#pragma GCC unroll 8
	for (uint32_t i = 0; i < MR; i++) {
		if (i >= mr)
			break;
		store_row(acc[i][0], c + i * c_stride, m0, p, cb0, i);
		store_row(acc[i][1], c + i * c_stride + 16, m1, p, cb1, i);
	}
}

const eml_f32_gemm_ukernel eml_f32_gemm_8x32_minmax_avx512f = {
	.name = "f32-gemm-8x32-minmax-avx512f", .mr = MR, .nr = 32, .fn = gemm_8x32,
};

#endif
