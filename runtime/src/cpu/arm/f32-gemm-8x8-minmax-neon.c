/* f32-gemm-8x8-minmax-neon.c — float GEMM micro-kernel for aarch64: 8 rows x 8 columns (two
 * vectors) of fused multiply-adds per k step (vfma by lane), then the reference's epilogue. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "cpu/f32_ukernels.h"

#define MR 8

/* The two accumulators of row i take a[i] times the k step's columns. */
#define FMA_ROW(i, av, lane)                                           \
	do {                                                           \
		acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, lane); \
		acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, lane); \
	} while (0)

/* The epilogue of one vector of row i (cb the columns' bias), clamped as eml_clampf does:
 * v < lo ? lo : v > hi ? hi : v, by compares and selects so that NaN passes. */
static inline float32x4_t finish(float32x4_t v, const eml_f32_minmax *p, float32x4_t cb,
				 uint32_t i)
{
	if (p->scale)
		v = vmulq_f32(v, vdupq_n_f32(p->alpha));
	if (p->row_bias)
		v = vaddq_f32(v, vdupq_n_f32(p->row_bias[i]));
	if (p->col_bias)
		v = vaddq_f32(v, cb);
	float32x4_t lo = vdupq_n_f32(p->lo), hi = vdupq_n_f32(p->hi);
	float32x4_t t = vbslq_f32(vcgtq_f32(v, hi), hi, v);
	return vbslq_f32(vcltq_f32(v, lo), lo, t);
}

/* See eml_f32_gemm_fn. */
static void gemm_8x8(uint32_t mr, uint32_t nr, size_t k, const float *a, const float *b,
		     const size_t *off, float *c, size_t c_stride, const eml_f32_minmax *p)
{
	float32x4_t acc[MR][2];
	for (int i = 0; i < MR; i++)
		acc[i][0] = acc[i][1] = vdupq_n_f32(0.0f);
	if (mr == 1) {
		/* one row (a matrix-vector product): the other rows' FMAs would be wasted */
		for (size_t kk = 0; kk < k; kk++, a += MR) {
			const float *bk = b + off[kk];
			acc[0][0] = vfmaq_n_f32(acc[0][0], vld1q_f32(bk), a[0]);
			acc[0][1] = vfmaq_n_f32(acc[0][1], vld1q_f32(bk + 4), a[0]);
		}
	} else {
		for (size_t kk = 0; kk < k; kk++, a += MR) {
			const float *bk = b + off[kk];
			float32x4_t b0 = vld1q_f32(bk), b1 = vld1q_f32(bk + 4);
			float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
			FMA_ROW(0, a0, 0);
			FMA_ROW(1, a0, 1);
			FMA_ROW(2, a0, 2);
			FMA_ROW(3, a0, 3);
			FMA_ROW(4, a1, 0);
			FMA_ROW(5, a1, 1);
			FMA_ROW(6, a1, 2);
			FMA_ROW(7, a1, 3);
		}
	}
	float cbias[8] = { 0 };
	if (p->col_bias)
		memcpy(cbias, p->col_bias, nr * sizeof(float));
	float32x4_t cb0 = vld1q_f32(cbias), cb1 = vld1q_f32(cbias + 4);
	for (uint32_t i = 0; i < mr; i++) {
		float32x4_t v0 = finish(acc[i][0], p, cb0, i), v1 = finish(acc[i][1], p, cb1, i);
		float *ci = c + i * c_stride;
		if (nr == 8) {
			vst1q_f32(ci, v0);
			vst1q_f32(ci + 4, v1);
		} else {
			float tmp[8];
			vst1q_f32(tmp, v0);
			vst1q_f32(tmp + 4, v1);
			memcpy(ci, tmp, nr * sizeof(float));
		}
	}
}

const eml_f32_gemm_ukernel eml_f32_gemm_8x8_minmax_neon = {
	.name = "f32-gemm-8x8-minmax-neon", .mr = MR, .nr = 8, .fn = gemm_8x8,
};

#endif
