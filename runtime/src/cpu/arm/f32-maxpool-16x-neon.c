/* f32-maxpool-16x-neon.c — float max pooling micro-kernel for aarch64: 16 outputs (four
 * vectors) per step, the taps folded in order. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <float.h>
#include <string.h>

#include "cpu/f32_ukernels.h"

/* The reference's step, v > m ? v : m, by compare and select: vmaxq_f32 would let a NaN win
 * and order -0 below +0. */
static inline float32x4_t step(float32x4_t v, float32x4_t m)
{
	return vbslq_f32(vcgtq_f32(v, m), v, m);
}

/* See eml_f32_maxpool_fn. */
void eml_f32_maxpool_16x_neon(const float *const *x, size_t n, uint32_t taps, float *y)
{
	const float32x4_t init = vdupq_n_f32(-FLT_MAX);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		float32x4_t m0 = init, m1 = init, m2 = init, m3 = init;
		for (uint32_t t = 0; t < taps; t++) {
			const float *p = x[t] + i;
			m0 = step(vld1q_f32(p), m0);
			m1 = step(vld1q_f32(p + 4), m1);
			m2 = step(vld1q_f32(p + 8), m2);
			m3 = step(vld1q_f32(p + 12), m3);
		}
		vst1q_f32(y + i, m0);
		vst1q_f32(y + i + 4, m1);
		vst1q_f32(y + i + 8, m2);
		vst1q_f32(y + i + 12, m3);
	}
	for (; i < n; i += 4) {
		float32x4_t m = init;
		float tmp[4];
		for (uint32_t t = 0; t < taps; t++)
			m = step(vld1q_f32(x[t] + i), m);
		vst1q_f32(tmp, m);
		memcpy(y + i, tmp, (n - i < 4 ? n - i : 4) * sizeof(float));
	}
}

#endif
