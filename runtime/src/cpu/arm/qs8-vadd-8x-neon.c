/* qs8-vadd-8x-neon.c — QLinearAdd micro-kernel for aarch64: 8 elements at a time, two fused
 * multiply-adds in fp32, as the reference (and ONNX Runtime) computes them. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "cpu/arm/ukernels.h"

/* n <= 8 bytes at p as two float vectors (zero-filled past n). */
static inline void load8(const uint8_t *p, size_t n, int is_signed, float32x4_t *lo,
			 float32x4_t *hi)
{
	uint8_t tmp[8] = { 0 };
	memcpy(tmp, p, n);
	int16x8_t v = is_signed ? vmovl_s8(vld1_s8((const int8_t *)tmp)) :
				  vreinterpretq_s16_u16(vmovl_u8(vld1_u8(tmp)));
	*lo = vcvtq_f32_s32(vmovl_s16(vget_low_s16(v)));
	*hi = vcvtq_f32_s32(vmovl_high_s16(v));
}

/* fma(a, ra, fma(b, rb, k)), rounded half to even and clamped (NaN to lo). */
static inline int32x4_t add4(float32x4_t a, float32x4_t b, const eml_qadd_args *x)
{
	float32x4_t q = vfmaq_f32(vdupq_n_f32(x->k), b, vdupq_n_f32(x->rb));
	q = vrndnq_f32(vfmaq_f32(q, a, vdupq_n_f32(x->ra)));
	q = vminnmq_f32(vmaxnmq_f32(q, vdupq_n_f32(x->lo)), vdupq_n_f32(x->hi));
	return vcvtq_s32_f32(q);
}

/* See eml_qadd_fn. */
void eml_qs8_vadd_8x_neon(const eml_qadd_args *a)
{
	for (size_t i = 0; i < a->n; i += 8) {
		size_t n = a->n - i < 8 ? a->n - i : 8;
		float32x4_t a0, a1, b0, b1;
		load8(a->a + i, n, a->is_signed, &a0, &a1);
		load8(a->b + i, n, a->is_signed, &b0, &b1);
		eml_neon_store8(add4(a0, b0, a), add4(a1, b1, a), a->c + i, (uint32_t)n);
	}
}

#endif
