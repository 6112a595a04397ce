/* qs8-gemm-4x8c4-neon.c — int8 GEMM micro-kernel for aarch64 v8.0: 4 rows x 8 columns,
 * int8 x by int8 w in groups of 4 k: smull to exact int16 products, sadalp to pairwise int32
 * sums, one final pairwise add; fp32 requantization. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "cpu/arm/ukernels.h"

/* See eml_qgemm_fn. */
static void gemm_4x8c4(uint32_t mr, uint32_t nr, size_t kq, const void *wv, const uint8_t *xv,
		       const int32_t *xsum, uint8_t *y, size_t y_stride, const eml_qgemm_out *o,
		       uint32_t m0)
{
	const int8_t *w = wv, *x = (const int8_t *)xv;
	/* acc[r][c]: row r, column pairs c (lanes: col 2c k01, col 2c k23, col 2c+1 k01, ..) */
	int32x4_t acc[4][4];
	for (int r = 0; r < 4; r++)
		for (int c = 0; c < 4; c++)
			acc[r][c] = vdupq_n_s32(0);
	for (size_t q = 0; q < kq; q++, x += 32, w += 16) {
		int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
		int8x8_t x0l = vget_low_s8(x0), x1l = vget_low_s8(x1);
		for (int r = 0; r < 4; r++) {
			int32_t v;
			memcpy(&v, w + 4 * r, 4);
			int8x16_t wr = vreinterpretq_s8_s32(vdupq_n_s32(v));
			int8x8_t wl = vget_low_s8(wr);
			acc[r][0] = vpadalq_s16(acc[r][0], vmull_s8(x0l, wl));
			acc[r][1] = vpadalq_s16(acc[r][1], vmull_high_s8(x0, wr));
			acc[r][2] = vpadalq_s16(acc[r][2], vmull_s8(x1l, wl));
			acc[r][3] = vpadalq_s16(acc[r][3], vmull_high_s8(x1, wr));
		}
	}
	int32x4_t s0 = vdupq_n_s32(0), s1 = s0;
	if (o->wzp) {
		s0 = vld1q_s32(xsum);
		s1 = vld1q_s32(xsum + 4);
	}
	for (uint32_t r = 0; r < mr; r++) {
		int32x4_t lo = vpaddq_s32(acc[r][0], acc[r][1]);
		int32x4_t hi = vpaddq_s32(acc[r][2], acc[r][3]);
		eml_neon_store8(eml_neon_requant(lo, s0, o, m0 + r),
				eml_neon_requant(hi, s1, o, m0 + r), y + r * y_stride, nr);
	}
}

const eml_qgemm_ukernel eml_qs8_gemm_4x8c4_neon = {
	.name = "qs8-gemm-4x8c4-neon",
	.mr = 4,
	.nr = 8,
	.kc = 4,
	.w_bytes = 1,
	.x_signed = 1,
	.fn = gemm_4x8c4,
};

#endif
