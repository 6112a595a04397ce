/* f32-vbinary-8x-minmax-neon.c — float Add/Sub/Mul/Div micro-kernels for aarch64, both
 * operands vectors or one a scalar: 8 outputs (two vectors) per step, the tail in scalar
 * code. Each lane is the one IEEE operation the reference does, then its clamp. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "cpu/f32_ukernels.h"

/* a op b for the op of the instantiation (a constant). */
static inline __attribute__((always_inline)) float32x4_t apply(int op, float32x4_t a,
							       float32x4_t b)
{
	switch (op) {
	case EML_F32_ADD:
		return vaddq_f32(a, b);
	case EML_F32_SUB:
		return vsubq_f32(a, b);
	case EML_F32_MUL:
		return vmulq_f32(a, b);
	default:
		return vdivq_f32(a, b);
	}
}

/* eml_clampf by compares and selects: vmaxq/vminq would order -0 below +0, which the
 * reference's compares do not. */
static inline float32x4_t clamp(float32x4_t v, float32x4_t lo, float32x4_t hi)
{
	float32x4_t t = vbslq_f32(vcgtq_f32(v, hi), hi, v);
	return vbslq_f32(vcltq_f32(v, lo), lo, t);
}

/* The body every instantiation shares; op and form are constants. */
static inline __attribute__((always_inline)) void vbinary(size_t n, const float *a,
							  const float *b, float *y, float lo,
							  float hi, int op, int form)
{
	const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
	const float sa = form == EML_F32_CV ? a[0] : 0.0f, sb = form == EML_F32_VC ? b[0] : 0.0f;
	const float32x4_t ca = vdupq_n_f32(sa), cb = vdupq_n_f32(sb);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		float32x4_t a0 = form == EML_F32_CV ? ca : vld1q_f32(a + i);
		float32x4_t a1 = form == EML_F32_CV ? ca : vld1q_f32(a + i + 4);
		float32x4_t b0 = form == EML_F32_VC ? cb : vld1q_f32(b + i);
		float32x4_t b1 = form == EML_F32_VC ? cb : vld1q_f32(b + i + 4);
		vst1q_f32(y + i, clamp(apply(op, a0, b0), vlo, vhi));
		vst1q_f32(y + i + 4, clamp(apply(op, a1, b1), vlo, vhi));
	}
	for (; i < n; i++) {
		y[i] = eml_f32_binary1(op, form == EML_F32_CV ? sa : a[i],
				       form == EML_F32_VC ? sb : b[i], lo, hi);
	}
}

#define VBINARY(name, op, form)                                                            \
	static void name(size_t n, const float *a, const float *b, float *y, float lo,      \
			 float hi)                                                         \
	{                                                                                  \
		vbinary(n, a, b, y, lo, hi, op, form);                                     \
	}
#define VBINARY_OP(prefix, op)                                                             \
	VBINARY(prefix##_vv, op, EML_F32_VV)                                               \
	VBINARY(prefix##_vc, op, EML_F32_VC)                                               \
	VBINARY(prefix##_cv, op, EML_F32_CV)
VBINARY_OP(add, EML_F32_ADD)
VBINARY_OP(sub, EML_F32_SUB)
VBINARY_OP(mul, EML_F32_MUL)
VBINARY_OP(div, EML_F32_DIV)

const eml_f32_vbinary_fn eml_f32_vbinary_8x_minmax_neon[EML_F32_OPS][EML_F32_FORMS] = {
	{ add_vv, add_vc, add_cv },
	{ sub_vv, sub_vc, sub_cv },
	{ mul_vv, mul_vc, mul_cv },
	{ div_vv, div_vc, div_cv },
};

#endif
