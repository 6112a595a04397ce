/* qs8-dwconv-8x-neon.c — depthwise convolution micro-kernel for aarch64 v8.0: 8 consecutive
 * outputs of one channel per step, inputs widened to int16 and multiplied by int16 taps
 * into int32 (smlal), fp32 requantization. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "cpu/arm/ukernels.h"

/* See eml_qdw_fn. */
void eml_qs8_dwconv_8x_neon(const eml_qdw_args *a)
{
	eml_qgemm_out o = { &a->bias, &a->wzp, &a->mult, a->zp, a->lo, a->hi, 0 };
	if (!a->wzp)
		o.wzp = NULL;
	for (size_t i = 0; i < a->n; i += 8) {
		int32x4_t c0 = vdupq_n_s32(0), c1 = c0, s0 = c0, s1 = c0;
		for (uint32_t t = 0; t < a->taps; t++) {
			int16x8_t x = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(a->x[t] + i)));
			int16x4_t w = vdup_n_s16(a->w[t]);
			c0 = vmlal_s16(c0, vget_low_s16(x), w);
			c1 = vmlal_high_s16(c1, x, vcombine_s16(w, w));
			s0 = vaddw_s16(s0, vget_low_s16(x));
			s1 = vaddw_high_s16(s1, x);
		}
		size_t left = a->n - i;
		eml_neon_store8(eml_neon_requant(c0, s0, &o, 0), eml_neon_requant(c1, s1, &o, 0),
				a->y + i, left < 8 ? (uint32_t)left : 8);
	}
}

#endif
