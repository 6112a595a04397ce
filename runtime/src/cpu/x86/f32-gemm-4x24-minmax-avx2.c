/* f32-gemm-4x24-minmax-avx2.c — float GEMM micro-kernel: 4 rows x 24 columns (three
 * vectors) of fused multiply-adds per k step, then the reference's epilogue. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define MR 4
#define NV 3

/* The lane mask of the n (may be <= 0 or >= 8) first lanes. */
static inline __attribute__((target("avx2"))) __m256i lanes(int32_t n)
{
	return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Applies the epilogue to one vector of row i and stores the lanes of mask. */
static inline __attribute__((target("avx2"))) void store_row(__m256 v, float *c, __m256i mask,
							     const eml_f32_minmax *p, __m256 cb,
							     uint32_t i, int full)
{
	if (p->scale)
		v = _mm256_mul_ps(v, _mm256_set1_ps(p->alpha));
	if (p->row_bias)
		v = _mm256_add_ps(v, _mm256_set1_ps(p->row_bias[i]));
	if (p->col_bias)
		v = _mm256_add_ps(v, cb);
	/* max/min return their second operand when either is NaN: lo first keeps a NaN v, as
	 * eml_clampf does */
	v = _mm256_max_ps(_mm256_set1_ps(p->lo), v);
	v = _mm256_min_ps(_mm256_set1_ps(p->hi), v);
	/* a masked store costs several cycles on AMD cores (Zen): only for a ragged tile */
	if (full)
		_mm256_storeu_ps(c, v);
	else
		_mm256_maskstore_ps(c, mask, v);
}

/* The k loop of the MR rows on the first nv vectors of columns. */
#define K_LOOP(nv)                                                                        \
	for (size_t kk = 0; kk < k; kk++, a += MR) {                                      \
		const float *bk = b + off[kk];                                            \
		__m256 bv[nv];                                                            \
		_Pragma("GCC unroll 3") for (int j = 0; j < (nv); j++) bv[j] =            \
			_mm256_loadu_ps(bk + 8 * j);                                      \
		_Pragma("GCC unroll 4") for (int i = 0; i < MR; i++)                      \
		{                                                                         \
			__m256 ai = _mm256_broadcast_ss(a + i);                           \
			_Pragma("GCC unroll 3") for (int j = 0; j < (nv); j++) acc[i][j] = \
				_mm256_fmadd_ps(ai, bv[j], acc[i][j]);                    \
		}                                                                         \
	}

/* See eml_f32_gemm_fn. */
static void __attribute__((target("avx2,fma")))
gemm_4x24(uint32_t mr, uint32_t nr, size_t k, const float *a, const float *b, const size_t *off,
	  float *c, size_t c_stride, const eml_f32_minmax *p)
{
	__m256 acc[MR][NV];
#pragma GCC unroll 4
	for (int i = 0; i < MR; i++)
		acc[i][0] = acc[i][1] = acc[i][2] = _mm256_setzero_ps();
	if (mr == 1) {
		/* one row (a matrix-vector product): the other rows' FMAs would be wasted */
		for (size_t kk = 0; kk < k; kk++, a += MR) {
			const float *bk = b + off[kk];
			__m256 ai = _mm256_broadcast_ss(a);
			acc[0][0] = _mm256_fmadd_ps(ai, _mm256_loadu_ps(bk), acc[0][0]);
			acc[0][1] = _mm256_fmadd_ps(ai, _mm256_loadu_ps(bk + 8), acc[0][1]);
			acc[0][2] = _mm256_fmadd_ps(ai, _mm256_loadu_ps(bk + 16), acc[0][2]);
		}
	} else if (nr <= 8) {
		/* narrow ragged tiles (7x7 planes, small Winograd blocks): only the vectors that
		 * hold columns, the same sums */
		K_LOOP(1);
	} else if (nr <= 16) {
		K_LOOP(2);
	} else {
		K_LOOP(3);
	}
	__m256i mask[NV];
	__m256 cb[NV];
#pragma GCC unroll 3
	for (int j = 0; j < NV; j++) {
		mask[j] = lanes((int32_t)nr - 8 * j);
		cb[j] = !p->col_bias	      ? _mm256_setzero_ps() :
			nr >= 8 * NV ? _mm256_loadu_ps(p->col_bias + 8 * j) :
				       _mm256_maskload_ps(p->col_bias + 8 * j, mask[j]);
	}
#pragma GCC unroll 4
	for (uint32_t i = 0; i < MR; i++) {
		if (i >= mr)
			break;
#pragma GCC unroll 3
		for (int j = 0; j < NV; j++) {
			if (8 * j >= (int)nr)
				break;
			store_row(acc[i][j], c + i * c_stride + 8 * j, mask[j], p, cb[j], i,
				  nr >= 8 * NV);
		}
	}
}

const eml_f32_gemm_ukernel eml_f32_gemm_4x24_minmax_avx2 = {
	.name = "f32-gemm-4x24-minmax-avx2", .mr = MR, .nr = 8 * NV, .fn = gemm_4x24,
};

#endif
