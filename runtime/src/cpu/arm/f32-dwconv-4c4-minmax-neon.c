/* f32-dwconv-4c4-minmax-neon.c — float depthwise micro-kernel for aarch64 with channels in
 * lanes: 4 channels (one vector) of 4 outputs (four independent chains of fused
 * multiply-adds) per step, for planes too small to fill vectors along a row. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "cpu/f32_ukernels.h"

/* The reference's epilogue, clamp(bias + acc), by compares and selects so that NaN passes
 * as eml_clampf lets it. */
static inline float32x4_t finish(float32x4_t acc, float32x4_t bias, float32x4_t lo,
				 float32x4_t hi)
{
	float32x4_t v = vaddq_f32(bias, acc);
	float32x4_t t = vbslq_f32(vcgtq_f32(v, hi), hi, v);
	return vbslq_f32(vcltq_f32(v, lo), lo, t);
}

/* See eml_f32_dwc_fn. */
void eml_f32_dwconv_4c4_minmax_neon(const eml_f32_dwc_args *a)
{
	const float32x4_t lo = vdupq_n_f32(a->lo), hi = vdupq_n_f32(a->hi);
	const size_t ch = a->ch;
	for (size_t c = 0; c < ch; c += 4) {
		const float32x4_t bias = vld1q_f32(a->bias + c);
		const float *x = a->x + c, *w = a->w + c;
		float *y = a->y + c;
		size_t g = 0;
		for (; g + 4 <= a->n; g += 4) {
			const float *q0 = x + a->pos[g] * ch, *q1 = x + a->pos[g + 1] * ch;
			const float *q2 = x + a->pos[g + 2] * ch, *q3 = x + a->pos[g + 3] * ch;
			float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
			for (uint32_t t = 0; t < a->taps; t++) {
				size_t o = a->off[t] * ch;
				float32x4_t wt = vld1q_f32(w + t * ch);
				s0 = vfmaq_f32(s0, vld1q_f32(q0 + o), wt);
				s1 = vfmaq_f32(s1, vld1q_f32(q1 + o), wt);
				s2 = vfmaq_f32(s2, vld1q_f32(q2 + o), wt);
				s3 = vfmaq_f32(s3, vld1q_f32(q3 + o), wt);
			}
			vst1q_f32(y + g * ch, finish(s0, bias, lo, hi));
			vst1q_f32(y + (g + 1) * ch, finish(s1, bias, lo, hi));
			vst1q_f32(y + (g + 2) * ch, finish(s2, bias, lo, hi));
			vst1q_f32(y + (g + 3) * ch, finish(s3, bias, lo, hi));
		}
		for (; g < a->n; g++) {
			const float *q = x + a->pos[g] * ch;
			float32x4_t s = vdupq_n_f32(0.0f);
			for (uint32_t t = 0; t < a->taps; t++)
				s = vfmaq_f32(s, vld1q_f32(q + a->off[t] * ch), vld1q_f32(w + t * ch));
			vst1q_f32(y + g * ch, finish(s, bias, lo, hi));
		}
	}
}

#endif
