/* qs8-vquantize-8x-neon.c — QuantizeLinear micro-kernel for aarch64: 8 floats at a time,
 * divide, round half to even, add the zero point, clamp, as the reference does in fp32. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "cpu/arm/ukernels.h"

/* round(x / scale) + zp, clamped (NaN to lo). */
static inline int32x4_t quant4(float32x4_t x, const eml_qquant_args *a)
{
	float32x4_t q = vrndnq_f32(vdivq_f32(x, vdupq_n_f32(a->scale)));
	q = vaddq_f32(q, vdupq_n_f32(a->zp));
	q = vminnmq_f32(vmaxnmq_f32(q, vdupq_n_f32(a->lo)), vdupq_n_f32(a->hi));
	return vcvtq_s32_f32(q);
}

/* See eml_qquant_fn. */
void eml_qs8_vquantize_8x_neon(const eml_qquant_args *a)
{
	for (size_t i = 0; i < a->n; i += 8) {
		size_t n = a->n - i < 8 ? a->n - i : 8;
		float tmp[8] = { 0 };
		memcpy(tmp, a->x + i, n * sizeof(float));
		eml_neon_store8(quant4(vld1q_f32(tmp), a), quant4(vld1q_f32(tmp + 4), a),
				a->y + i, (uint32_t)n);
	}
}

#endif
