/*
 * ukernels.h — the aarch64 micro-kernels; the dotprod and i8mm ones are compiled for their
 * extension with a target attribute and only called after eml_isa_supported() said the CPU
 * has it.
 */
#ifndef EML_CPU_ARM_UKERNELS_H
#define EML_CPU_ARM_UKERNELS_H

#include "cpu/pack.h"

extern const eml_qgemm_ukernel eml_qs8_gemm_4x8c4_neon;
extern const eml_qgemm_ukernel eml_qs8_gemm_8x8c4_neondot;
extern const eml_qgemm_ukernel eml_qs8_gemm_4x8c8_neoni8mm;

void eml_qs8_dwconv_8x_neon(const eml_qdw_args *a);
void eml_u8_maxpool_16x_neon(const eml_maxpool_args *a);
void eml_qs8_vadd_8x_neon(const eml_qadd_args *a);
void eml_qs8_vquantize_8x_neon(const eml_qquant_args *a);

/* Requantizes 4 accumulators of output row m (see eml_qgemm_out) to their 8-bit values,
 * the reference's fp32 steps: round half to even, zero point, clamp (NaN to lo). */
#if defined(__aarch64__)
#include <arm_neon.h>

static inline int32x4_t eml_neon_requant(int32x4_t acc, int32x4_t xsum,
					 const eml_qgemm_out *o, uint32_t m)
{
	acc = vaddq_s32(acc, vdupq_n_s32(o->bias[m]));
	if (o->wzp)
		acc = vmlsq_s32(acc, xsum, vdupq_n_s32(o->wzp[m]));
	float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc), vdupq_n_f32(o->mult[m]));
	f = vaddq_f32(vrndnq_f32(f), vdupq_n_f32(o->zp));
	/* maxnm returns the number when the other operand is NaN: NaN goes to lo */
	f = vminnmq_f32(vmaxnmq_f32(f, vdupq_n_f32(o->lo)), vdupq_n_f32(o->hi));
	return vcvtq_s32_f32(f);
}

/* Stores the low bytes of n (<= 8) values of two vectors to y. */
static inline void eml_neon_store8(int32x4_t a, int32x4_t b, uint8_t *y, uint32_t n)
{
	uint8x8_t v = vreinterpret_u8_s8(vmovn_s16(vcombine_s16(vmovn_s32(a), vmovn_s32(b))));
	if (n == 8) {
		vst1_u8(y, v);
		return;
	}
	uint8_t tmp[8];
	vst1_u8(tmp, v);
	for (uint32_t j = 0; j < n; j++)
		y[j] = tmp[j];
}
#endif

#endif /* EML_CPU_ARM_UKERNELS_H */
