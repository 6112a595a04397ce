/* qs8-gemm-8x8c4-neondot.c — int8 GEMM micro-kernel for aarch64 with the dot-product
 * extension: 8 rows x 8 columns, int8 x by int8 w in groups of 4 k (sdot by lane), fp32
 * requantization. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "cpu/arm/ukernels.h"

#define TARGET __attribute__((target("arch=armv8.2-a+dotprod")))

/* See eml_qgemm_fn. */
TARGET static void gemm_8x8c4(uint32_t mr, uint32_t nr, size_t kq, const void *wv,
			      const uint8_t *xv, const int32_t *xsum, uint8_t *y, size_t y_stride,
			      const eml_qgemm_out *o, uint32_t m0)
{
	const int8_t *w = wv, *x = (const int8_t *)xv;
	int32x4_t lo[8], hi[8]; /* row r: columns 0..3 and 4..7 */
	for (int r = 0; r < 8; r++)
		lo[r] = hi[r] = vdupq_n_s32(0);
	for (size_t q = 0; q < kq; q++, x += 32, w += 32) {
		int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
		int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16);
		lo[0] = vdotq_laneq_s32(lo[0], x0, w0, 0);
		hi[0] = vdotq_laneq_s32(hi[0], x1, w0, 0);
		lo[1] = vdotq_laneq_s32(lo[1], x0, w0, 1);
		hi[1] = vdotq_laneq_s32(hi[1], x1, w0, 1);
		lo[2] = vdotq_laneq_s32(lo[2], x0, w0, 2);
		hi[2] = vdotq_laneq_s32(hi[2], x1, w0, 2);
		lo[3] = vdotq_laneq_s32(lo[3], x0, w0, 3);
		hi[3] = vdotq_laneq_s32(hi[3], x1, w0, 3);
		lo[4] = vdotq_laneq_s32(lo[4], x0, w1, 0);
		hi[4] = vdotq_laneq_s32(hi[4], x1, w1, 0);
		lo[5] = vdotq_laneq_s32(lo[5], x0, w1, 1);
		hi[5] = vdotq_laneq_s32(hi[5], x1, w1, 1);
		lo[6] = vdotq_laneq_s32(lo[6], x0, w1, 2);
		hi[6] = vdotq_laneq_s32(hi[6], x1, w1, 2);
		lo[7] = vdotq_laneq_s32(lo[7], x0, w1, 3);
		hi[7] = vdotq_laneq_s32(hi[7], x1, w1, 3);
	}
	int32x4_t s0 = vdupq_n_s32(0), s1 = s0;
	if (o->wzp) {
		s0 = vld1q_s32(xsum);
		s1 = vld1q_s32(xsum + 4);
	}
	for (uint32_t r = 0; r < mr; r++)
		eml_neon_store8(eml_neon_requant(lo[r], s0, o, m0 + r),
				eml_neon_requant(hi[r], s1, o, m0 + r), y + r * y_stride, nr);
}

const eml_qgemm_ukernel eml_qs8_gemm_8x8c4_neondot = {
	.name = "qs8-gemm-8x8c4-neondot",
	.mr = 8,
	.nr = 8,
	.kc = 4,
	.w_bytes = 1,
	.x_signed = 1,
	.fn = gemm_8x8c4,
};

#endif
