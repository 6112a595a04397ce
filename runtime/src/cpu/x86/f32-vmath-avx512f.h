/* f32-vmath-avx512f.h — f32_vmath_impl.h's vector operations on AVX-512F (16 lanes), for
 * the f32-v*-avx512f.c kernels; bit operations on integer vectors (AVX-512F has no float
 * and/or, that is DQ). */
#ifndef EML_CPU_X86_F32_VMATH_AVX512F_H
#define EML_CPU_X86_F32_VMATH_AVX512F_H

#include <immintrin.h>

typedef __m512 vm_f;
#define VM_W 16
#define VM_TARGET __attribute__((target("avx512f")))
#define VM_SET1(c) _mm512_set1_ps(c)
#define VM_LOAD(p) _mm512_loadu_ps(p)
#define VM_STORE(p, v) _mm512_storeu_ps(p, v)
#define VM_ADD(a, b) _mm512_add_ps(a, b)
#define VM_SUB(a, b) _mm512_sub_ps(a, b)
#define VM_MUL(a, b) _mm512_mul_ps(a, b)
#define VM_DIV(a, b) _mm512_div_ps(a, b)
#define VM_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
/* max/min return their second operand where either is NaN */
#define VM_MAX(c, v) _mm512_max_ps(c, v)
#define VM_MIN(c, v) _mm512_min_ps(c, v)
#define VM_ROUND(v) _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VM_BITS(v) _mm512_castps_si512(v)
#define VM_SIGN _mm512_set1_epi32((int)0x80000000u)
#define VM_ABS(v) _mm512_castsi512_ps(_mm512_andnot_si512(VM_SIGN, VM_BITS(v)))
#define VM_NABS(v) _mm512_castsi512_ps(_mm512_or_si512(VM_SIGN, VM_BITS(v)))
#define VM_COPYSIGN(m, v)                                                                \
	_mm512_castsi512_ps(_mm512_or_si512(VM_BITS(m), _mm512_and_si512(VM_SIGN, VM_BITS(v))))
#define VM_SELECT_LT(a, b, t, f) _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), f, t)

static inline __attribute__((always_inline)) VM_TARGET __m512 vm_pow2i(__m512i e)
{
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(e, _mm512_set1_epi32(127)),
						      23));
}

static inline __attribute__((always_inline)) VM_TARGET __m512 vm_scale2(__m512 p, __m512 n)
{
	__m512i ni = _mm512_cvtps_epi32(n), n1 = _mm512_srai_epi32(ni, 1);
	return _mm512_mul_ps(_mm512_mul_ps(p, vm_pow2i(n1)),
			     vm_pow2i(_mm512_sub_epi32(ni, n1)));
}
#define VM_SCALE2(p, n) vm_scale2(p, n)

#endif /* EML_CPU_X86_F32_VMATH_AVX512F_H */
