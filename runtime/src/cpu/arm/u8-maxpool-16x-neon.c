/* u8-maxpool-16x-neon.c — max pooling micro-kernel for aarch64: 16 consecutive outputs per
 * step, the running maximum of every tap's 16 inputs (umax). */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "cpu/arm/ukernels.h"

/* See eml_maxpool_fn. */
void eml_u8_maxpool_16x_neon(const eml_maxpool_args *a)
{
	const uint8x16_t flip = vdupq_n_u8(a->flip);
	for (size_t i = 0; i < a->n; i += 16) {
		uint8x16_t m = vld1q_u8(a->x[0] + i);
		for (uint32_t t = 1; t < a->taps; t++)
			m = vmaxq_u8(m, vld1q_u8(a->x[t] + i));
		m = veorq_u8(m, flip);
		size_t left = a->n - i;
		if (left >= 16) {
			vst1q_u8(a->y + i, m);
		} else {
			uint8_t tmp[16];
			vst1q_u8(tmp, m);
			for (size_t j = 0; j < left; j++)
				a->y[i + j] = tmp[j];
		}
	}
}

#endif
