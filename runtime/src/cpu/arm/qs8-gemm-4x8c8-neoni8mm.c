/* qs8-gemm-4x8c8-neoni8mm.c — int8 GEMM micro-kernel for aarch64 with the int8 matrix
 * multiply extension: 4 rows x 8 columns, int8 x by int8 w in groups of 8 k (smmla: a 2x8 by
 * 8x2 product per instruction), fp32 requantization. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "cpu/arm/ukernels.h"

#define TARGET __attribute__((target("arch=armv8.6-a+i8mm")))

/* See eml_qgemm_fn. */
TARGET static void gemm_4x8c8(uint32_t mr, uint32_t nr, size_t kq, const void *wv,
			      const uint8_t *xv, const int32_t *xsum, uint8_t *y, size_t y_stride,
			      const eml_qgemm_out *o, uint32_t m0)
{
	const int8_t *w = wv, *x = (const int8_t *)xv;
	/* acc[p][c]: rows 2p, 2p+1 by columns 2c, 2c+1 (lanes r0c0, r0c1, r1c0, r1c1) */
	int32x4_t acc[2][4];
	for (int p = 0; p < 2; p++)
		for (int c = 0; c < 4; c++)
			acc[p][c] = vdupq_n_s32(0);
	for (size_t q = 0; q < kq; q++, x += 64, w += 32) {
		int8x16_t w01 = vld1q_s8(w), w23 = vld1q_s8(w + 16);
		for (int c = 0; c < 4; c++) {
			int8x16_t xc = vld1q_s8(x + 16 * c);
			acc[0][c] = vmmlaq_s32(acc[0][c], w01, xc);
			acc[1][c] = vmmlaq_s32(acc[1][c], w23, xc);
		}
	}
	int32x4_t s0 = vdupq_n_s32(0), s1 = s0;
	if (o->wzp) {
		s0 = vld1q_s32(xsum);
		s1 = vld1q_s32(xsum + 4);
	}
	for (uint32_t r = 0; r < mr; r++) {
		const int32x4_t *a = acc[r / 2];
		int64x2_t c0 = vreinterpretq_s64_s32(a[0]), c1 = vreinterpretq_s64_s32(a[1]);
		int64x2_t c2 = vreinterpretq_s64_s32(a[2]), c3 = vreinterpretq_s64_s32(a[3]);
		int64x2_t l = r % 2 ? vzip2q_s64(c0, c1) : vzip1q_s64(c0, c1);
		int64x2_t h = r % 2 ? vzip2q_s64(c2, c3) : vzip1q_s64(c2, c3);
		int32x4_t lo = vreinterpretq_s32_s64(l), hi = vreinterpretq_s32_s64(h);
		eml_neon_store8(eml_neon_requant(lo, s0, o, m0 + r),
				eml_neon_requant(hi, s1, o, m0 + r), y + r * y_stride, nr);
	}
}

const eml_qgemm_ukernel eml_qs8_gemm_4x8c8_neoni8mm = {
	.name = "qs8-gemm-4x8c8-neoni8mm",
	.mr = 4,
	.nr = 8,
	.kc = 8,
	.w_bytes = 1,
	.x_signed = 1,
	.fn = gemm_4x8c8,
};

#endif
