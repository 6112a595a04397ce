/* f32-vmath-neon.h — f32_vmath_impl.h's vector operations on aarch64 NEON (4 lanes), for
 * the f32-v*-neon.c kernels. */
#ifndef EML_CPU_ARM_F32_VMATH_NEON_H
#define EML_CPU_ARM_F32_VMATH_NEON_H

#include <arm_neon.h>

typedef float32x4_t vm_f;
#define VM_W 4
#define VM_TARGET
#define VM_SET1(c) vdupq_n_f32(c)
#define VM_LOAD(p) vld1q_f32(p)
#define VM_STORE(p, v) vst1q_f32(p, v)
#define VM_ADD(a, b) vaddq_f32(a, b)
#define VM_SUB(a, b) vsubq_f32(a, b)
#define VM_MUL(a, b) vmulq_f32(a, b)
#define VM_DIV(a, b) vdivq_f32(a, b)
#define VM_FMA(a, b, c) vfmaq_f32(c, a, b)
/* fmax/fmin (not the *nm forms) return NaN where either operand is NaN */
#define VM_MAX(c, v) vmaxq_f32(c, v)
#define VM_MIN(c, v) vminq_f32(c, v)
#define VM_ROUND(v) vrndnq_f32(v)
#define VM_ABS(v) vabsq_f32(v)
#define VM_NABS(v) vnegq_f32(vabsq_f32(v))
#define VM_COPYSIGN(m, v) vbslq_f32(vdupq_n_u32(0x80000000u), v, m)
#define VM_SELECT_LT(a, b, t, f) vbslq_f32(vcltq_f32(a, b), t, f)

static inline __attribute__((always_inline)) float32x4_t vm_pow2i(int32x4_t e)
{
	return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(e, vdupq_n_s32(127)), 23));
}

static inline __attribute__((always_inline)) float32x4_t vm_scale2(float32x4_t p,
								   float32x4_t n)
{
	int32x4_t ni = vcvtq_s32_f32(n), n1 = vshrq_n_s32(ni, 1);
	return vmulq_f32(vmulq_f32(p, vm_pow2i(n1)), vm_pow2i(vsubq_s32(ni, n1)));
}
#define VM_SCALE2(p, n) vm_scale2(p, n)

#endif /* EML_CPU_ARM_F32_VMATH_NEON_H */
