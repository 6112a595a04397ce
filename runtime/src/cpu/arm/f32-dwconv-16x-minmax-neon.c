/* f32-dwconv-16x-minmax-neon.c — float depthwise micro-kernel for aarch64: 16 outputs of one
 * channel (four vectors, four independent chains of fused multiply-adds) per step. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "cpu/f32_ukernels.h"

/* The reference's epilogue, clamp(bias + acc), by compares and selects so that NaN passes
 * as eml_clampf lets it. */
static inline float32x4_t finish(float32x4_t acc, const eml_f32_dw_args *a)
{
	float32x4_t v = vaddq_f32(vdupq_n_f32(a->bias), acc);
	float32x4_t lo = vdupq_n_f32(a->lo), hi = vdupq_n_f32(a->hi);
	float32x4_t t = vbslq_f32(vcgtq_f32(v, hi), hi, v);
	return vbslq_f32(vcltq_f32(v, lo), lo, t);
}

/* See eml_f32_dw_fn. */
void eml_f32_dwconv_16x_minmax_neon(const eml_f32_dw_args *a)
{
	size_t i = 0;
	for (; i + 16 <= a->n; i += 16) {
		float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
		for (uint32_t t = 0; t < a->taps; t++) {
			const float *x = a->x[t] + i;
			float w = a->w[t];
			s0 = vfmaq_n_f32(s0, vld1q_f32(x), w);
			s1 = vfmaq_n_f32(s1, vld1q_f32(x + 4), w);
			s2 = vfmaq_n_f32(s2, vld1q_f32(x + 8), w);
			s3 = vfmaq_n_f32(s3, vld1q_f32(x + 12), w);
		}
		vst1q_f32(a->y + i, finish(s0, a));
		vst1q_f32(a->y + i + 4, finish(s1, a));
		vst1q_f32(a->y + i + 8, finish(s2, a));
		vst1q_f32(a->y + i + 12, finish(s3, a));
	}
	for (; i < a->n; i += 4) {
		float32x4_t s = vdupq_n_f32(0.0f);
		for (uint32_t t = 0; t < a->taps; t++)
			s = vfmaq_n_f32(s, vld1q_f32(a->x[t] + i), a->w[t]);
		float tmp[4];
		vst1q_f32(tmp, finish(s, a));
		memcpy(a->y + i, tmp, (a->n - i < 4 ? a->n - i : 4) * sizeof(float));
	}
}

#endif
